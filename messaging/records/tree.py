"""Every inclusion proof of one tree at once.

`merkle.inclusion_proof` rebuilds subtrees for each leaf, which is quadratic for a whole
room; here the levels of the tree are built once (bottom-up pairing, an odd last node carried
up unchanged, which is RFC 9162's tree) and each proof is read off them: at each level the
sibling of the node on the path, when it has one."""

from collections.abc import Sequence

from messaging.merkle import EMPTY_ROOT, node_hash


class Tree:
    def __init__(self, leaves: Sequence[bytes]):
        self.size = len(leaves)
        self.levels: list[list[bytes]] = [list(leaves)]
        level = self.levels[0]
        while len(level) > 1:
            paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
            if len(level) % 2:
                paired.append(level[-1])
            self.levels.append(paired)
            level = paired

    @property
    def root(self) -> bytes:
        return self.levels[-1][0] if self.size else EMPTY_ROOT

    def proof(self, index: int) -> list[bytes]:
        """PATH(index, D[size]) of RFC 9162 section 2.1.3.1, deepest node first."""
        if not 0 <= index < self.size:
            raise IndexError(f"no leaf {index} in a tree of {self.size}")
        path = []
        for level in self.levels[:-1]:
            sibling = index ^ 1
            if sibling < len(level):
                path.append(level[sibling])
            index >>= 1
        return path
