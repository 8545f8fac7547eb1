"""Make a platform administrator (seed 002's `/admin`): the only way one is ever created.

    make admin EMAIL=ops@example.com [NAME="Olga Ops"]           # against the running `make dev`
    python -m infra.tools.admin ops@example.com --emulator http://127.0.0.1:3000
    python -m infra.tools.admin ops@example.com                    # against the environment's AWS

With `--emulator` the command asks the running emulator for its environment (the embedded AWS's
endpoint and the settings its functions run with: `GET /_local/environment`) and writes there.
Without it, it uses this process's environment as a function would: the `DOCKET_*` settings of the
deployed stack (the values of any API function's environment) and AWS credentials allowed to
write its table.

It prints a one-time set-password token (valid an hour, single use) and how to sign in. Run it
again for an existing administrator to get a new token; an address that belongs to a firm's user
is refused (exit status 2).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import socket
import sys
import urllib.request


def _use_emulator(url: str) -> None:
    with urllib.request.urlopen(f"{url.rstrip('/')}/_local/environment", timeout=10) as reply:  # noqa: S310
        environment = json.loads(reply.read())
    os.environ.update({str(k): str(v) for k, v in environment.items()})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("email", help="the administrator's own address (not a firm user's)")
    parser.add_argument("--name", default="", help="their name, as the admin log shows it")
    parser.add_argument(
        "--emulator", metavar="URL", help="the running emulator (`make dev`), e.g. http://127.0.0.1:3000"
    )
    args = parser.parse_args(argv)
    if args.emulator:
        _use_emulator(args.emulator)

    from docket.admin import admins
    from docket.errors import DocketError
    from docket.settings import get_settings, reset_settings

    reset_settings()
    operator = f"{getpass.getuser()}@{socket.gethostname()}"
    try:
        made = admins.create(args.email, name=args.name, operator=f"make admin ({operator})")
    except DocketError as exc:
        print(f"refused: {exc.message}", file=sys.stderr)
        return 2
    api = get_settings().token_issuer
    what = "created" if made.created else "exists; here is a new set-password token"
    body = json.dumps({"token": made.password_token, "newPassword": "<a password of 10+ characters>"})
    print(
        f"Platform administrator {made.user.email} ({made.user.id}) {what}.\n"
        f"Set the password within an hour (the token works once):\n"
        f"  curl -X POST {api}/auth/reset-password -H 'Content-Type: application/json' -d '{body}'\n"
        f"Then sign in:\n"
        f"  curl -X POST {api}/admin/auth/login -H 'Content-Type: application/json' "
        f"""-d '{{"email": "{made.user.email}", "password": "…"}}'\n"""
        f"token: {made.password_token}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
