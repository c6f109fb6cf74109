"""State that belongs to one installation: its data directory and secret."""

import secrets
from pathlib import Path


def secret_key(data_dir):
    """Return this installation's SECRET_KEY, made once and kept on disk."""
    path = Path(data_dir) / "secret_key"
    if path.exists():
        return path.read_text().strip()

    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    # There is a race between two first starts writing the key; the rename
    # makes the last writer win atomically and both read the same file after.
    temporary = path.with_suffix(".tmp%d" % secrets.randbits(32))
    temporary.write_text(key)
    temporary.chmod(0o600)
    temporary.replace(path)

    return path.read_text().strip()
