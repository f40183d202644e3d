#!/usr/bin/env python
from kopdig.cli import main

if __name__ == "__main__":
    main()
