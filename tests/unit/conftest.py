"""Make the collection importable as ansible_collections.ipsec.panos for the unit tests."""

import os
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
COLLECTIONS = os.path.join(REPO, "build", "collections")
CORPUS = os.path.abspath(os.path.join(REPO, "..", "shared", "corpus", "panos-configs"))

if not os.path.isdir(os.path.join(COLLECTIONS, "ansible_collections", "ipsec", "panos")):
    raise RuntimeError("run 'make collection' first: %s is missing" % COLLECTIONS)
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)
