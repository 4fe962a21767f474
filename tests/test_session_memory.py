"""A finished session's traced steps (introgan_tf/session_memory.py) and training pool are released."""

import gc

from introgan_tf import experiment, session_memory, testing
from introgan_tf.methods.introgan.method import IntroGAN


def live_step_graphs() -> int:
    """Live FuncGraphs of Keras' compiled steps (``one_step_on_data``), after collecting cycles."""
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o).__name__ == "FuncGraph" and o.name.startswith("one_step"))


def test_step_graphs_and_pools_do_not_pile_up_across_sessions(tmp_path, monkeypatch):
    counts = []  # (live step graphs, custom-gradient registrations) as each session begins
    pools = []   # what the method still holds of the previous session's pool as each session begins
    begin = IntroGAN.begin_session

    def counting_begin(self, session):
        counts.append((live_step_graphs(), len(session_memory.custom_gradient_names())))
        pools.append(self.pool)
        return begin(self, session)

    monkeypatch.setattr(IntroGAN, "begin_session", counting_begin)
    config = testing.tiny_config(tmp_path / "run", num_sessions=3, iters=2, test_interval=2, save_interval=2,
                                 sample_interval=2)
    experiment.run(config, data=testing.synthetic_dataset())
    assert len(counts) == 3
    # Before the fix every session left its two step graphs (first iteration, the others) behind: +2, +2.
    assert counts[1] == counts[0] and counts[2] == counts[0], counts
    # The previous pool is dropped before the next set-up (replay, growth), which would otherwise hold both.
    assert all(pool is None for pool in pools), [None if pool is None else len(pool[0]) for pool in pools]
