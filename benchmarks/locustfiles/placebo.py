"""bare.py's users in a process that has also loaded about as much unrelated code as perfgate
adds (120 standard-library modules and ~8,500 objects here; perfgate's modules add ~120 and ~8,300):
what a bigger process alone does to the generator."""

import importlib

from bare import HealthzSaturator

MODULES = (
    "concurrent.futures",
    "configparser",
    "cProfile",
    "csv",
    "dbm",
    "decimal",
    "difflib",
    "doctest",
    "email.generator",
    "email.mime.audio",
    "email.mime.image",
    "email.mime.multipart",
    "email.mime.text",
    "email.parser",
    "email.policy",
    "fractions",
    "ftplib",
    "getopt",
    "html.parser",
    "http.server",
    "imaplib",
    "logging.config",
    "logging.handlers",
    "mailbox",
    "multiprocessing.pool",
    "optparse",
    "pickletools",
    "plistlib",
    "poplib",
    "pstats",
    "pydoc",
    "shelve",
    "smtplib",
    "sqlite3",
    "statistics",
    "tarfile",
    "timeit",
    "tomllib",
    "trace",
    "unittest.mock",
    "wsgiref.simple_server",
    "xml.dom.minidom",
    "xml.etree.ElementTree",
    "xml.sax",
    "zipfile",
)
for module in MODULES:
    importlib.import_module(module)

__all__ = ["HealthzSaturator"]
