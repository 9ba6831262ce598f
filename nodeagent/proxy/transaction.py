"""The one `nft -f -` transaction that turns the table from the ruleset last applied into a new one:
a rebuild, a full rewrite that keeps affinity sets, or a partial one with only what changed.
"""
from __future__ import annotations

from nodeagent.proxy.render import FAMILY, TABLE, Ruleset

T = f"{FAMILY} {TABLE}"
AFFINITY_PREFIX = "aff-"


def _key(element: str) -> str:
    """A map element's key ("10.96.0.10 . tcp . 80 : goto x" -> "10.96.0.10 . tcp . 80")."""
    return element.partition(" : ")[0]


# As kube-proxy's nftables mode: a rebuild (delete the table, write all) at start or after a failure; a
# full rewrite (flush every chain and map, write all, keep the affinity sets so pinned clients stay
# pinned) once per resync period, repairing whatever was changed behind our back; otherwise a partial
# one (only the chains whose rules changed and the elements that came or went), so one endpoint among
# thousands costs a few lines. Stale objects are emptied and deleted last, once nothing refers to them.
def script(new: Ruleset, previous: Ruleset | None = None, partial: bool = True) -> str:
    """The transaction from `previous` (None: unknown, rebuild) to `new`; `partial=False` rewrites all."""
    if previous is None:
        return "\n".join([f"add table {T}", f"delete table {T}", f"add table {T}", *_everything(new)]) + "\n"
    lines = [f"add table {T}"]
    if partial:
        lines += _changes(new, previous)
    else:
        lines.append(f"flush table {T}")  # every rule; set and map elements stay
        lines += [f"delete {kind} {T} {name}" for name, kind in _remade(new, previous).items()]
        lines += [f"flush map {T} {name}" for name in new.maps if previous.maps.get(name) == new.maps[name]]
        lines += [f"flush set {T} {name}" for name in new.sets
                  if previous.sets.get(name) == new.sets[name] and not name.startswith(AFFINITY_PREFIX)]
        lines += _everything(new)
    lines += _stale(new, previous)
    return "\n".join(lines) + "\n"


def teardown() -> str:
    """The transaction removing the table (and so every rule of skiff's) if it exists."""
    return f"add table {T}\ndelete table {T}\n"


def _everything(rs: Ruleset) -> list[str]:
    lines = [f"add chain {T} {name}" + (f" {d}" if d else "") for name, d in rs.chains.items()]
    lines += [f"add set {T} {name} {d}" for name, d in rs.sets.items()]
    lines += [f"add map {T} {name} {d}" for name, d in rs.maps.items()]
    lines += [f"add rule {T} {chain} {rule}" for chain, rules in rs.rules.items() for rule in rules]
    lines += [f"add element {T} {name} {{ {e} }}" for name, elements in rs.elements.items() for e in elements]
    return lines


def _remade(new: Ruleset, previous: Ruleset) -> dict[str, str]:
    """Sets and maps whose declaration changed (a new affinity timeout): name -> kind. They are deleted
    and made anew, which empties them."""
    out = {}
    for kind, before, after in (("set", previous.sets, new.sets), ("map", previous.maps, new.maps)):
        out.update({name: kind for name, d in before.items() if name in after and after[name] != d})
    return out


def _refers(rules: list[str], names) -> bool:
    return any(f"@{name} " in f"{rule} " for rule in rules for name in names)


def _changes(new: Ruleset, previous: Ruleset) -> list[str]:
    remade = _remade(new, previous)
    # Chains whose rules changed, or that name a remade set (a set in use cannot be deleted).
    dirty = [c for c, rules in new.rules.items()
             if c in previous.chains and (previous.rules.get(c) != rules or _refers(previous.rules[c], remade))]
    lines = [f"flush chain {T} {c}" for c in dirty]
    lines += [f"delete {kind} {T} {name}" for name, kind in remade.items()]
    lines += [f"add chain {T} {name}" + (f" {d}" if d else "") for name, d in new.chains.items()
              if name not in previous.chains]
    for kind, objects, before in (("set", new.sets, previous.sets), ("map", new.maps, previous.maps)):
        lines += [f"add {kind} {T} {name} {d}" for name, d in objects.items() if before.get(name) != d]
    additions = []
    for name, elements in new.elements.items():
        old = set() if name in remade else set(previous.elements.get(name, ()))
        # Elements that went (or changed value) first, so none still points at a chain deleted below.
        gone = sorted(_key(e) for e in old.difference(elements))
        if gone:
            lines.append(f"delete element {T} {name} {{ {', '.join(gone)} }}")
        came = [e for e in elements if e not in old]
        if came:
            additions.append(f"add element {T} {name} {{ {', '.join(came)} }}")
    for chain, rules in new.rules.items():
        if chain in dirty or chain not in previous.chains:
            lines += [f"add rule {T} {chain} {rule}" for rule in rules]
    return lines + additions


def _stale(new: Ruleset, previous: Ruleset) -> list[str]:
    """Delete what is no longer wanted: chains emptied first, since a chain in use cannot go."""
    chains = [name for name in previous.chains if name not in new.chains]
    lines = [f"flush chain {T} {name}" for name in chains]
    # Sets and maps before chains: a stale verdict map's elements still point at the chains it goes with.
    lines += [f"delete set {T} {name}" for name in previous.sets if name not in new.sets]
    lines += [f"delete map {T} {name}" for name in previous.maps if name not in new.maps]
    lines += [f"delete chain {T} {name}" for name in chains]
    return lines
