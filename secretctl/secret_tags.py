"""The tags of one secret: what ``tag read``, ``tag write`` and ``tag delete`` do (chamber
v3.1.4's tag commands), as plain functions over a Store.

The secret is looked up as ``read`` looks it up (``naming.lookup_names``): first under the
name a write with the same flags stores, then as typed; a name costs a request only when the
one before it is missing. chamber's required tags (``tags.py``) may not be deleted, and
``tag write --delete-other-tags`` must rewrite those the secret has."""

from __future__ import annotations

from secretctl.errors import NotFoundError, SecretctlError
from secretctl.naming import lookup_names
from secretctl.secrets import first_found
from secretctl.store.base import Store
from secretctl.tags import STORE_CONFIG_NAME, aws_reserved, read_store_config


def read_tags(
    store: Store, service: str, key: str, *, preserve_case: bool = False
) -> tuple[str, dict[str, str]]:
    """The secret's name and tags: one ListTagsForResource."""
    names = lookup_names(service, key, preserve_case)
    return first_found(names, store.read_tags)  # type: ignore[no-any-return]


def write_tags(
    store: Store,
    service: str,
    key: str,
    tags: dict[str, str],
    *,
    delete_others: bool = False,
    preserve_case: bool = False,
) -> str:
    """Add or update ``tags`` on the secret; return its name. One AddTagsToResource.
    ``delete_others`` also removes the tags not in ``tags`` but AWS's own (``aws:...``, which
    AWS refuses to delete: https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html,
    e.g. CloudFormation's on the parameters it creates): ListTagsForResource first, then
    (when a tag goes) a read of the store config, so that a required tag the secret has is
    never dropped, and RemoveTagsFromResource after the tags are written."""
    names = lookup_names(service, key, preserve_case)
    if not delete_others:
        return first_found(names, lambda n: n if store.add_tags(n, tags) else None)[0]  # type: ignore[no-any-return]
    name, current = first_found(names, store.read_tags)
    dropped = sorted(t for t in set(current) - set(tags) if not aws_reserved(t))
    if dropped:
        required = read_store_config(store).required_tags
        kept = [tag for tag in required if tag in dropped]
        if kept:
            raise SecretctlError(
                f"required tags {', '.join(kept)} are on {name}, so --delete-other-tags must "
                f"rewrite them (add {' '.join(f'{t}=...' for t in kept)}); "
                f"{STORE_CONFIG_NAME} requires them: nothing was changed"
            )
    if not store.add_tags(name, tags):  # deleted since it was listed
        raise NotFoundError(f"secret not found: {name} (it was deleted meanwhile)")
    if dropped:
        store.remove_tags(name, dropped)
    return name  # type: ignore[no-any-return]


def delete_tags(
    store: Store, service: str, key: str, tag_keys: list[str], *, preserve_case: bool = False
) -> str:
    """Remove the tags ``tag_keys`` from the secret (a key it does not have is no error);
    return its name. A read of the store config (required tags may not be deleted), then one
    RemoveTagsFromResource."""
    names = lookup_names(service, key, preserve_case)
    required = read_store_config(store).required_tags
    refused = [tag for tag in required if tag in tag_keys]
    if refused:
        raise SecretctlError(
            f"required tags {', '.join(refused)} may not be deleted: {STORE_CONFIG_NAME} "
            "requires them on every secret; nothing was changed"
        )
    keys = list(dict.fromkeys(tag_keys))
    return first_found(names, lambda n: n if store.remove_tags(n, keys) else None)[0]  # type: ignore[no-any-return]
