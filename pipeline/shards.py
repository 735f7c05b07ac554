"""Shards of sites: how a run's sites are split between crawl tasks (pure functions).

One crawl task per shard runs one Scrapy process for all of the shard's sites. Airflow maps at most
``[core] max_map_length`` tasks (1024 by default), so the shard count is capped there and the shards
grow instead. Sites that share a host always go into the same shard: two processes (perhaps on two
machines) must never crawl one host at once, or its politeness delay would be halved.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Collection, Mapping

MAX_MAP_LENGTH = 1024  # Airflow's default [core] max_map_length


def host_groups(hosts_by_site: Mapping[str, Collection[str]]) -> list[list[str]]:
    """The sites, grouped so that sites sharing any host are in one group (each group sorted)."""
    parent = {site: site for site in hosts_by_site}

    def root(site: str) -> str:
        while parent[site] != site:
            parent[site] = parent[parent[site]]
            site = parent[site]
        return site

    owner: dict[str, str] = {}
    for site in sorted(hosts_by_site):
        for host in hosts_by_site[site]:
            if host in owner:
                parent[root(site)] = root(owner[host])
            else:
                owner[host] = site
    groups: dict[str, list[str]] = {}
    for site in sorted(hosts_by_site):
        groups.setdefault(root(site), []).append(site)
    return list(groups.values())


def plan_shards(hosts_by_site: Mapping[str, Collection[str]], size: int,
                limit: int = MAX_MAP_LENGTH) -> list[list[str]]:
    """Split the sites into about ``size`` sites per shard, at most ``limit`` shards, balanced.

    Every site is in exactly one shard; sites sharing a host are in the same one. The result is
    the same for the same input, whatever its order: shards sorted, and the sites in each sorted.
    """
    if size < 1 or limit < 1:
        raise ValueError(f"shard size and limit must be at least 1 (size {size}, limit {limit})")
    groups = host_groups(hosts_by_site)
    count = min(limit, len(groups), math.ceil(len(hosts_by_site) / size))
    if count == 0:
        return []
    shards: list[list[str]] = [[] for _ in range(count)]
    # Largest group first into the least-filled shard: shard sizes then differ by at most the
    # largest group (one site when no hosts are shared).
    filled = [(0, index) for index in range(count)]
    for group in sorted(groups, key=lambda g: (-len(g), g[0])):
        length, index = heapq.heappop(filled)
        shards[index].extend(group)
        heapq.heappush(filled, (length + len(group), index))
    return sorted(sorted(shard) for shard in shards)


def shard_label(sites: Collection[str]) -> str:
    """How a shard is named in the Airflow UI: its first and last site and its size."""
    ordered = sorted(sites)
    if len(ordered) == 1:
        return ordered[0]
    return f"{ordered[0]} … {ordered[-1]} ({len(ordered)} sites)"
