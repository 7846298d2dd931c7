"""A small fictitious catalogue of what a Walmart marketplace seller lists, and US customers.

Products carry a seller SKU, a product name, a price in cents and a shipping weight;
customers a name and a delivery address with the state's sales tax rate (the combined
rate of a typical city there), so generated orders carry believable US money.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Product:
    sku: str
    name: str
    price_cents: int
    weight_lb: str


@dataclass(frozen=True, slots=True)
class Place:
    city: str
    state: str
    postal_code: str
    # sales tax in 1/100,000 of the amount (8,875 is 8.875 %), so tax stays whole cents
    tax_rate_per_100k: int


PRODUCTS: tuple[Product, ...] = (
    Product("WM-KTL-0101", "Stainless Steel Electric Kettle, 1.7 Liter", 2997, "2.9"),
    Product("WM-MUG-0102", "Stoneware Coffee Mugs, Set of 4, Sage", 2450, "4.1"),
    Product("WM-TWL-0103", "Cotton Bath Towels, 6-Piece Set, Gray", 3499, "5.0"),
    Product("WM-LMP-0104", "LED Desk Lamp with USB Charging Port", 2199, "2.2"),
    Product("WM-PLW-0105", "Memory Foam Pillow, Queen, 2 Pack", 3988, "6.3"),
    Product("WM-BLN-0106", "Personal Blender with 2 Travel Cups", 2988, "3.5"),
    Product("WM-SKL-0107", "Cast Iron Skillet, 12 Inch, Pre-Seasoned", 2497, "7.8"),
    Product("WM-ORG-0108", "Stackable Pantry Organizer Bins, Set of 6", 1996, "3.0"),
    Product("WM-HDP-0109", "Wireless Over-Ear Headphones, Black", 4999, "0.9"),
    Product("WM-YGM-0110", "Non-Slip Yoga Mat, 6 mm, Teal", 1888, "2.6"),
    Product("WM-DMB-0111", "Adjustable Dumbbell Pair, 5 to 25 lb", 8999, "52.0"),
    Product("WM-BKP-0112", "Water-Resistant Laptop Backpack, 15.6 Inch", 3295, "1.8"),
    Product("WM-LGO-0113", "Building Bricks Starter Set, 500 Pieces", 2497, "2.4"),
    Product("WM-PUZ-0114", "Jigsaw Puzzle, 1000 Pieces, National Parks", 1499, "1.3"),
    Product("WM-DOG-0115", "Orthopedic Dog Bed, Large, Brown", 5499, "9.5"),
    Product("WM-CAT-0116", "Cat Scratching Post with Sisal Rope, 32 Inch", 2699, "6.0"),
    Product("WM-VAC-0117", "Cordless Stick Vacuum, Lightweight", 11900, "7.2"),
    Product("WM-AIR-0118", "HEPA Air Purifier for Bedrooms", 8900, "8.4"),
    Product("WM-GRL-0119", "Portable Charcoal Grill, 14 Inch", 3497, "10.1"),
    Product("WM-TNT-0120", "4-Person Dome Tent with Rainfly", 6994, "11.7"),
    Product("WM-CHR-0121", "Folding Camp Chair with Cup Holder, Navy", 2288, "6.6"),
    Product("WM-BTL-0122", "Insulated Water Bottle, 32 oz", 1997, "1.0"),
    Product("WM-SHE-0123", "Kids Light-Up Sneakers, Size 12", 2498, "1.1"),
    Product("WM-SCK-0124", "Athletic Crew Socks, 10 Pair, White", 1594, "1.2"),
    Product("WM-JKT-0125", "Packable Puffer Jacket, Men's Medium", 4488, "1.4"),
)

FIRST_NAMES: tuple[str, ...] = (
    *("James", "Mary", "Robert", "Patricia", "Michael", "Jennifer", "DeShawn", "Latoya"),
    *("Carlos", "María", "Nguyen", "Mei", "Aaliyah", "Connor", "Sofía", "Jamal"),
)
LAST_NAMES: tuple[str, ...] = (
    *("Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis"),
    *("Rodríguez", "Martinez", "Hernandez", "Lopez", "Washington", "O'Connor", "Tran"),
)
STREETS: tuple[str, ...] = (
    *("Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Pine St", "Elm St", "Washington Blvd"),
    *("Lakeview Rd", "Sunset Blvd", "Park Ave", "Hillcrest Dr", "Meadow Ln"),
)
SECOND_LINES: tuple[str, ...] = ("Apt 2B", "Unit 14", "Suite 300", "Apt 1107")
PLACES: tuple[Place, ...] = (
    Place("Bentonville", "AR", "72712", 10250),
    Place("Dallas", "TX", "75201", 8250),
    Place("Phoenix", "AZ", "85004", 8600),
    Place("Chicago", "IL", "60601", 10250),
    Place("Atlanta", "GA", "30303", 8900),
    Place("Columbus", "OH", "43215", 7750),
    Place("Denver", "CO", "80202", 8810),
    Place("Orlando", "FL", "32801", 6500),
    Place("Nashville", "TN", "37203", 9250),
    Place("Portland", "OR", "97205", 0),
    Place("Sacramento", "CA", "95814", 8750),
    Place("Brooklyn", "NY", "11201", 8875),
    Place("Seattle", "WA", "98101", 10350),
    Place("Boise", "ID", "83702", 6000),
)
