"""The one exception tree of OpenBlotter.

Expected problems with *data* are not exceptions: readers, mappings and validators return
issues (see ``openblotter.validate.issues``). Exceptions are for problems with the program,
its configuration or its environment, and each is translated exactly once, at a boundary
(the CLI prints one line and exits with the class's ``exit_code``).

Subclasses are grouped by what the caller can do about them::

    BlotterError                      exit 1
    ├── ConfigError                   exit 2   fix the settings, a mapping or the command line
    │   ├── ProhibitedAttributeError  exit 2   a mapping sends a column to a prohibited attribute
    │   └── WeakPasswordError         exit 2   a new password breaks the password policy
    ├── SourceUnreadableError         exit 3   the input file cannot be read at all
    ├── SchemaError                   exit 4   a table schema (the standard) is malformed
    ├── NotFoundError                 exit 5   a dataset, batch, agency or release does not exist
    ├── PermissionDeniedError         exit 6   not allowed (e.g. a write through `blotter sql`)
    ├── AuthenticationError           exit 6   a log-in, second factor or API token was refused
    ├── IntegrityError                exit 7   a checksum or hash chain does not match
    │   └── LeakDetectedError         exit 7   a release would publish an identifier of a person
    ├── StorageError                  exit 8   the store cannot be reached or refused an operation
    │   └── StoreVersionError         exit 9   the store was made by another version of the standard
    └── MissingExtraError             exit 10  an optional dependency is not installed

Messages never carry the value of a field that could identify a member of the public: they
name the batch, the dataset, the field and the row number instead.
"""

from __future__ import annotations

__all__ = [
    "AuthenticationError",
    "BlotterError",
    "ConfigError",
    "IntegrityError",
    "LeakDetectedError",
    "MissingExtraError",
    "NotFoundError",
    "PermissionDeniedError",
    "ProhibitedAttributeError",
    "SchemaError",
    "SourceUnreadableError",
    "StorageError",
    "StoreVersionError",
    "WeakPasswordError",
]


class BlotterError(Exception):
    """Base of every error OpenBlotter raises on purpose."""

    exit_code: int = 1
    code: str = "blotter-error"


class ConfigError(BlotterError):
    """Settings, a mapping or the command line are wrong; fix them and try again."""

    exit_code = 2
    code = "config-error"


class ProhibitedAttributeError(ConfigError):
    """A mapping would store sexual orientation, gender identity or immigration status."""

    code = "prohibited-attribute"


class WeakPasswordError(ConfigError):
    """A new password is too short, too long, contains the user name or is a common password."""

    code = "weak-password"


class SourceUnreadableError(BlotterError):
    """An input file cannot be read at all (missing, wrong format, corrupt archive)."""

    exit_code = 3
    code = "source-unreadable"


class SchemaError(BlotterError):
    """A table schema of the standard is malformed or inconsistent."""

    exit_code = 4
    code = "schema-error"


class NotFoundError(BlotterError):
    """A named dataset, batch, agency or release does not exist."""

    exit_code = 5
    code = "not-found"


class PermissionDeniedError(BlotterError):
    """The action is not allowed here (for example a write through read-only SQL)."""

    exit_code = 6
    code = "permission-denied"


class AuthenticationError(BlotterError):
    """A log-in, second factor or API token was refused (the message does not say which)."""

    exit_code = 6
    code = "authentication-failed"


class IntegrityError(BlotterError):
    """A checksum, manifest or hash chain does not match what was recorded."""

    exit_code = 7
    code = "integrity-error"


class LeakDetectedError(IntegrityError):
    """The leak scan found an identifier of a person in a release's files; nothing was published."""

    code = "leak-detected"


class StorageError(BlotterError):
    """The store cannot be reached, or refused an operation."""

    exit_code = 8
    code = "storage-error"


class StoreVersionError(StorageError):
    """The store was created by a different version of the standard."""

    exit_code = 9
    code = "store-version"


class MissingExtraError(BlotterError):
    """An optional dependency is not installed; the message gives the pip command."""

    exit_code = 10
    code = "missing-extra"

    def __init__(self, extra: str, module: str) -> None:
        super().__init__(
            f'this needs the optional dependency {module!r}: pip install "openblotter[{extra}]"'
        )
        self.extra = extra
        self.module = module
