"""What cwfilter.spark asks Spark to list for the objects it keeps (no Spark needed): the fewest
directories whose recursive listings hold exactly the kept objects, so that Spark does not check
and stat every object a second time."""

from cwfilter.spark import _cover

ROOT = "file:///t/AWSLogs"
DAY = ROOT + "/1/CloudTrail/us-east-1/2025/01/{:02}"


def objects(day, n=2):
    return [DAY.format(day) + f"/o{i}.json.gz" for i in range(n)]


def cover(kept, listed, root=ROOT):
    return _cover({uri: root for uri in kept}, sorted(kept), listed)


def test_nothing_dropped_is_the_root_itself():
    listed = objects(6) + objects(7)
    assert cover(listed, listed) == [ROOT]


def test_a_dropped_digest_leaves_the_other_directories():
    trail = objects(6) + objects(7)
    digest = ROOT + "/1/CloudTrail-Digest/us-east-1/2025/01/06/d.json.gz"
    assert cover(trail, trail + [digest]) == [ROOT + "/1/CloudTrail"]


def test_days_outside_the_window_leave_the_days_inside():
    kept = objects(7) + objects(8)
    listed = objects(6) + kept + objects(9)
    assert cover(kept, listed) == [DAY.format(7), DAY.format(8)]


def test_a_file_beside_a_dropped_one_is_named_alone():
    kept = objects(6)[:1]
    listed = objects(6)
    assert cover(kept, listed) == kept


def test_a_file_named_as_a_root_is_itself():
    one = objects(6)[0]
    assert _cover({one: one}, [one], [one]) == [one]


def test_nested_roots_are_listed_once():
    inner = ROOT + "/1/CloudTrail"
    kept = objects(6) + objects(7)
    root_of = {uri: ROOT for uri in kept[:2]}
    root_of.update({uri: inner for uri in kept[2:]})
    assert _cover(root_of, kept, kept) == [ROOT]


def test_never_above_the_root():
    # Everything under the root is kept, a sibling of the root was not listed under it.
    kept = objects(6)
    root = DAY.format(6)
    assert _cover({uri: root for uri in kept}, kept, kept + objects(7)) == [root]


def test_the_walk_rules_quick_answer_equals_the_rules():
    # `_skipped` answers most keys without splitting them: the same answer as the rules spelt
    # out part by part, on every combination of the parts that matter.
    import itertools

    from cwfilter.spark import _skipped

    def rules(relative):
        parts = [p for p in relative.split("/") if p]
        if any(p.startswith(".") or p == "CloudTrail-Digest" for p in parts):
            return True
        return bool(parts) and parts[-1] == "labels.jsonl"

    pieces = ["", "/", "a", ".a", "a.b", "CloudTrail-Digest", "xCloudTrail-Digest",
              "labels.jsonl", "labels.jsonl.gz", "my-labels.jsonl", "o.json.gz"]
    seen = {True: 0, False: 0}
    for n in range(1, 4):
        for combo in itertools.product(pieces, repeat=n):
            for joined in ("/".join(combo), "/" + "/".join(combo), "/".join(combo) + "/"):
                assert _skipped(joined) == rules(joined), joined
                seen[rules(joined)] += 1
    assert seen[True] and seen[False]
