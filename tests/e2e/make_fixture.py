#!/usr/bin/env python3
"""Builds the end-to-end fixture (fixture.py) in the moto_server at URL; prints it as JSON.
Used by the C++ contract suite: make_fixture.py http://127.0.0.1:PORT"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture  # noqa: E402

if __name__ == "__main__":
    print(json.dumps(fixture.build(sys.argv[1])))
