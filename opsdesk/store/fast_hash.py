"""The hash of a stored audit event, recomputed quickly for ``opsdesk verify``, always equal to the reference.

The reference (``audit.event_hash``) is SHA-256 of ``json.dumps(doc, sort_keys=True, ensure_ascii=False,
separators=(",", ":"), default=str)``. orjson writes the same bytes for the values a stored event holds — strings
(same escapes, UTF-8), integers up to 64 bits, booleans, null, lists and dicts with string keys sorted — about
three times faster, and reads the stored JSON text about twice as fast as ``json.loads``. It differs on floats
(``1e-05`` is ``0.00001`` to orjson), reads integers past 64 bits as floats, and refuses NaN, Infinity and lone
surrogates. So the fast path is taken only where no such value can be in play, and the reference decides the rest,
event by event:

* every plain field (``seq``, ``at``, ``actor``…) must be a ``str`` (``seq`` an ``int``), and every JSON text a
  ``str`` or None, as the table holds them;
* the JSON texts are read by ``orjson.loads``; anything it refuses goes to the reference;
* the canonical bytes orjson writes must hold no number with a fraction or an exponent (a float, or an integer
  past 64 bits read as one): in compact JSON a number follows ``:``, ``,`` or ``[`` directly, so
  ``[:,\\[]-?\\d+[.eE]`` finds every one (and, harmlessly, a few strings such as ``"at 10:30.5"``, which then take
  the reference too). orjson writes every float with a ``.``, ``e+`` or ``e-``, so bytes that hold none of the
  three are not searched at all.

Without orjson installed every event takes the reference.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from opsdesk.store.audit import event_hash

try:
    import orjson
except ImportError:  # pragma: no cover - orjson is a dependency; the reference alone still gives the same result
    orjson = None  # type: ignore[assignment]

_FLOAT_IN_OUTPUT = re.compile(rb"[:,\[]-?\d+[.eE]")

Parsed = tuple[str, Any, Any, Any]  # (hash, before, after, record_states)


def _loads(text: Any) -> Any:
    return None if text is None else json.loads(text)


def reference(seq: Any, at: Any, actor: Any, action: Any, entity: Any, entity_id: Any, before_text: Any,
              after_text: Any, note: Any, prev_hash: Any, states_text: Any) -> Parsed:
    """The stored event's hash as ``audit.event_hash`` computes it, from its texts read by ``json.loads``."""
    before, after, states = _loads(before_text), _loads(after_text), _loads(states_text)
    digest = event_hash(seq=seq, at=at, actor=actor, action=action, entity=entity, entity_id=entity_id,
                        before=before, after=after, note=note, prev_hash=prev_hash, record_states=states)
    return digest, before, after, states


def stored_event(seq: Any, at: Any, actor: Any, action: Any, entity: Any, entity_id: Any, before_text: Any,
                 after_text: Any, note: Any, prev_hash: Any, states_text: Any) -> Parsed:
    """(hash, before, after, record_states) of one stored event: ``at`` as the hash has it (``…T…Z``), the
    snapshots and row states as the JSON texts the table keeps (or None). Equal to :func:`reference` always."""
    if orjson is None or not (
            type(seq) is int and type(at) is str and type(actor) is str and type(action) is str
            and type(entity) is str and type(entity_id) is str and type(note) is str and type(prev_hash) is str
            and (before_text is None or type(before_text) is str) and (after_text is None or type(after_text) is str)
            and (states_text is None or type(states_text) is str)):
        return reference(seq, at, actor, action, entity, entity_id, before_text, after_text, note, prev_hash,
                         states_text)
    try:
        before = None if before_text is None else orjson.loads(before_text)
        after = None if after_text is None else orjson.loads(after_text)
        states = None if states_text is None else orjson.loads(states_text)
        doc = {"seq": seq, "at": at, "actor": actor, "action": action, "entity": entity, "entity_id": entity_id,
               "before": before, "after": after, "note": note, "prev_hash": prev_hash}
        if states is not None:
            doc["record_states"] = states
        canonical = orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)
    except (ValueError, TypeError):  # orjson's JSONDecodeError and JSONEncodeError
        canonical = b""
    if not canonical or ((b"." in canonical or b"e+" in canonical or b"e-" in canonical)
                         and _FLOAT_IN_OUTPUT.search(canonical)):
        return reference(seq, at, actor, action, entity, entity_id, before_text, after_text, note, prev_hash,
                         states_text)
    return hashlib.sha256(canonical).hexdigest(), before, after, states
