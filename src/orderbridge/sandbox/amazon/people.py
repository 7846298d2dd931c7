"""Small built-in pools of buyer names and delivery addresses per country.

Deliberately small and fictitious (no real people), but shaped like each country's real
addresses: house number before or after the street, state/region only where the country uses
one, local postal-code formats, and a few non-ASCII names so encodings get exercised.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CountryPeople:
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    streets: tuple[str, ...]
    # (city, stateOrRegion or "", postal code)
    places: tuple[tuple[str, str, str], ...]
    # how a street and house number combine into addressLine1
    line1_format: str
    phone_prefix: str
    line2_options: tuple[str, ...]


PEOPLE: dict[str, CountryPeople] = {
    "US": CountryPeople(
        ("James", "Mary", "Robert", "Patricia", "Michael", "Linda", "Carlos", "Mei", "Aisha"),
        ("Smith", "Johnson", "Williams", "Garcia", "Miller", "Davis", "Nguyen", "O'Brien"),
        ("Main Street", "Oak Avenue", "Maple Drive", "Pine Street", "Cedar Lane", "Elm Street"),
        (
            ("Seattle", "WA", "98101"),
            ("Austin", "TX", "78701"),
            ("Columbus", "OH", "43215"),
            ("Portland", "OR", "97205"),
            ("Brooklyn", "NY", "11201"),
            ("Denver", "CO", "80202"),
        ),
        "{n} {s}",
        "+1 206 555 ",
        ("Apt 4B", "Suite 200", "Unit 12"),
    ),
    "CA": CountryPeople(
        ("Liam", "Olivia", "Noah", "Emma", "Étienne", "Chloé"),
        ("Tremblay", "Roy", "MacDonald", "Wilson", "Gagnon", "Singh"),
        ("King Street West", "Rue Sainte-Catherine", "Granville Street", "Jasper Avenue"),
        (
            ("Toronto", "ON", "M5V 2T6"),
            ("Montréal", "QC", "H3B 1A7"),
            ("Vancouver", "BC", "V6B 1A1"),
            ("Edmonton", "AB", "T5J 0N3"),
        ),
        "{n} {s}",
        "+1 416 555 ",
        ("Unit 305", "Apt 12"),
    ),
    "DE": CountryPeople(
        ("Lukas", "Anna", "Jürgen", "Sophie", "Maximilian", "Marie", "Özlem"),
        # dotless i on purpose: names outside Latin-1 must survive the hub's encodings
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker", "Yılmaz"),
        ("Hauptstraße", "Schillerstraße", "Goethestraße", "Bahnhofstraße", "Lindenweg"),
        (
            ("Berlin", "", "10115"),
            ("München", "Bayern", "80331"),
            ("Hamburg", "", "20095"),
            ("Köln", "Nordrhein-Westfalen", "50667"),
            ("Leipzig", "Sachsen", "04109"),
        ),
        "{s} {n}",
        "+49 30 5550",
        ("2. OG links", "Hinterhaus", "c/o Weber"),
    ),
    "GB": CountryPeople(
        ("Oliver", "Amelia", "Harry", "Isla", "George", "Siobhan", "Rhys"),
        ("Smith", "Jones", "Taylor", "Brown", "Evans", "Wilson", "Patel"),
        ("High Street", "Station Road", "Church Lane", "Victoria Road", "Mill Lane"),
        (
            ("London", "", "SW1A 1AA"),
            ("Manchester", "Greater Manchester", "M1 1AE"),
            ("Edinburgh", "", "EH1 1YZ"),
            ("Cardiff", "", "CF10 1EP"),
            ("Bristol", "", "BS1 4DJ"),
        ),
        "{n} {s}",
        "+44 20 7946 ",
        ("Flat 3", "Unit 7", "The Old Rectory"),
    ),
    "FR": CountryPeople(
        ("Louis", "Camille", "Hélène", "Théo", "Léa", "François"),
        ("Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Girard"),
        ("rue de la République", "avenue Victor Hugo", "boulevard Voltaire", "rue Pasteur"),
        (
            ("Paris", "", "75011"),
            ("Lyon", "", "69002"),
            ("Marseille", "", "13001"),
            ("Toulouse", "", "31000"),
            ("Lille", "", "59000"),
        ),
        "{n} {s}",
        "+33 1 55 50 ",
        ("Bâtiment B", "3e étage", "Appartement 12"),
    ),
    "ES": CountryPeople(
        ("Hugo", "Lucía", "Mateo", "Sofía", "Martín", "Paula"),
        ("García", "Fernández", "López", "Martínez", "Sánchez", "Pérez"),
        ("Calle Mayor", "Calle de Alcalá", "Avenida de la Constitución", "Calle Real"),
        (
            ("Madrid", "Madrid", "28013"),
            ("Barcelona", "Barcelona", "08002"),
            ("Valencia", "Valencia", "46002"),
            ("Sevilla", "Sevilla", "41004"),
        ),
        "{s}, {n}",
        "+34 91 555 ",
        ("3º B", "Bajo A", "Escalera 2"),
    ),
    "IT": CountryPeople(
        ("Leonardo", "Giulia", "Francesco", "Aurora", "Niccolò", "Chiara"),
        ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano"),
        ("Via Roma", "Via Garibaldi", "Corso Vittorio Emanuele", "Via Mazzini"),
        (
            ("Roma", "RM", "00184"),
            ("Milano", "MI", "20121"),
            ("Napoli", "NA", "80133"),
            ("Torino", "TO", "10121"),
        ),
        "{s}, {n}",
        "+39 06 5550 ",
        ("Scala B", "Interno 7"),
    ),
    "NL": CountryPeople(
        ("Daan", "Emma", "Sem", "Julia", "Lucas", "Sanne"),
        ("de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser"),
        ("Kerkstraat", "Dorpsstraat", "Stationsweg", "Molenweg", "Prinsengracht"),
        (
            ("Amsterdam", "", "1016 GV"),
            ("Rotterdam", "", "3011 AD"),
            ("Utrecht", "", "3511 LX"),
            ("Den Haag", "", "2511 CV"),
        ),
        "{s} {n}",
        "+31 20 555 ",
        ("2e verdieping", "Huis A"),
    ),
    "JP": CountryPeople(
        ("Haruto", "Yui", "Sota", "Hina", "Ren", "Aoi"),
        ("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito"),
        ("1-2-3 Shibuya", "4-5-6 Umeda", "2-7-1 Nishi-Shinjuku", "3-1-1 Sakae"),
        (
            ("Shibuya-ku", "Tokyo", "150-0002"),
            ("Kita-ku", "Osaka", "530-0001"),
            ("Shinjuku-ku", "Tokyo", "163-0890"),
            ("Naka-ku", "Aichi", "460-0008"),
        ),
        "{s}",
        "+81 3 5550 ",
        ("Room 502", "Sakura Mansion 301"),
    ),
}

COMPANY_NAMES: tuple[str, ...] = (
    "Northwind Traders",
    "Contoso Supplies",
    "Fabrikam Werkstatt",
    "Tailspin Atelier",
    "Litware Office",
)
