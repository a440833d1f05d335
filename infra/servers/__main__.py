"""`python -m infra.servers fetch-kafka`: download the Kafka jars ahead of the first test.

`make install` calls it so the first test session does not pay the ~10-20 s Maven fetch
inside a test's timeout.
"""

import argparse
import sys

from infra.servers.kafka_jars import fetch_jars


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.servers")
    parser.add_argument("command", choices=["fetch-kafka"])
    parser.parse_args(argv)
    print(f"Kafka jars in {fetch_jars()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
