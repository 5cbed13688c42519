"""The result cache: copies out, bounded, and emptied by a new index generation."""
from webapp.cache import ResultCache


def test_a_cached_response_is_a_copy_and_a_new_generation_empties_the_cache():
    cache = ResultCache(max_entries=2)
    assert cache.get("gen-1", "q") is None
    cache.put("gen-1", "q", {"results": [1]})
    cached = cache.get("gen-1", "q")
    cached["results"].append(2)  # a caller changing its copy must not change the cache
    assert cache.get("gen-1", "q") == {"results": [1]}
    assert cache.get("gen-2", "q") is None  # a build published: nothing old is served
    cache.put("gen-1", "q", {"results": [1]})  # a slow search of the old generation finishing late
    assert cache.get("gen-2", "q") is None


def test_the_least_recently_used_response_goes_first():
    cache = ResultCache(max_entries=2)
    cache.get("g", "a")
    cache.put("g", "a", 1)
    cache.put("g", "b", 2)
    cache.get("g", "a")
    cache.put("g", "c", 3)
    assert (cache.get("g", "a"), cache.get("g", "b"), cache.get("g", "c")) == (1, None, 3)
