"""Minzheng (智慧民政): the platform of a city civil affairs bureau."""

__version__ = "0.1.0"
