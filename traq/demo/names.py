"""Plausible first and last names, by the region of a time zone (demo data, invented)."""

from __future__ import annotations

import unicodedata

# Space-separated so that the lists stay compact under the formatter.
FIRST_NAMES: dict[str, tuple[str, ...]] = {
    region: tuple(names.split())
    for region, names in {
        "fr": "Camille Léa Chloé Manon Inès Juliette Zoé Hélène Margaux Lucas Hugo Louis Théo "
        "Raphaël Mathis Antoine Julien Noé Amélie Baptiste Élodie Maxime Sacha Yanis",
        "de": "Anna Lena Mia Hannah Lea Johanna Greta Jürgen Lukas Jonas Felix Leon Paul "
        "Moritz Tobias Sophie Katrin Stefan Nils",
        "uk": "Olivia Amelia Isla Ava Emily Poppy Freya Grace Oliver George Harry Jack Charlie "
        "Alfie Oscar Arthur Rory Imogen",
        "us": "Emma Sophia Isabella Mia Harper Evelyn Abigail Maria Aaliyah Liam Noah Elijah "
        "James Mateo Benjamin Lucas Ethan Diego Jamal Kenji Priya Wei Carlos Hannah",
        "in": "Aarav Vivaan Aditya Arjun Rohan Ishaan Kabir Rahul Vikram Ananya Diya Saanvi "
        "Aadhya Kavya Priya Meera Neha Pooja",
        "au": "Charlotte Matilda Ruby Sienna Chloe Zara Mila Jack William Henry Lachlan Cooper "
        "Hudson Archie Riley Mason Kai Harper",
    }.items()
}

LAST_NAMES: dict[str, tuple[str, ...]] = {
    region: tuple(names.split())
    for region, names in {
        "fr": "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon "
        "Laurent Lefèvre Michel Garcia Fournier Girard Bonnet Mercier Faure Rousseau Chevalier",
        "de": "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch "
        "Richter Klein Wolf Schröder Neumann",
        "uk": "Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Wright Walker "
        "Evans Thompson Roberts Hughes O'Brien",
        "us": "Johnson Williams Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez "
        "Anderson Jackson Lee Nguyen Kim Chen Walker Young Allen Washington Okafor Cohen Rivera",
        "in": "Sharma Verma Gupta Iyer Reddy Nair Patel Singh Kumar Das Mehta Joshi Rao Menon "
        "Chatterjee Banerjee Kapoor",
        "au": "Smith Jones Williams Brown Wilson Taylor Nguyen Johnson Martin White Anderson "
        "Walker Thompson Kelly Ryan Murphy",
    }.items()
}

REGION_OF_ZONE: dict[str, str] = {
    "Europe/Paris": "fr",
    "Europe/Berlin": "de",
    "Europe/London": "uk",
    "America/New_York": "us",
    "America/Chicago": "us",
    "America/Los_Angeles": "us",
    "Asia/Kolkata": "in",
    "Australia/Sydney": "au",
}


def ascii_slug(text: str) -> str:
    """``text`` lowercased with accents and anything but letters and digits removed."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed.lower() if c.isascii() and c.isalnum())
