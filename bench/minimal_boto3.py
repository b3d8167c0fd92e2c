"""The reference a boto3-based tool is measured against: the fewest lines that make the same
requests as ``secretctl exec`` (GetParametersByPath on ``/<service>/``, decrypted, pages of 10,
one service after another) and then replace themselves with the command.

    python bench/minimal_boto3.py SERVICE... -- COMMAND [ARGS]
"""

import os
import sys

import boto3


def main() -> None:
    at = sys.argv.index("--")
    services, command = sys.argv[1:at], sys.argv[at + 1 :]
    client = boto3.client("ssm")
    env = dict(os.environ)
    for service in services:
        path = f"/{service}/"
        args = {"Path": path, "WithDecryption": True, "MaxResults": 10}
        while True:
            page = client.get_parameters_by_path(**args)
            for parameter in page["Parameters"]:
                env[parameter["Name"][len(path) :].upper()] = parameter["Value"]
            if not page.get("NextToken"):
                break
            args["NextToken"] = page["NextToken"]
    os.execvpe(command[0], command, env)


if __name__ == "__main__":
    main()
