"""The run-shaping context managers of introgan_tf.testing that other tests build on: each does what it says
and always puts the original back."""

import types

import pytest

from introgan_tf import experiment, testing
from introgan_tf.checkpointing import SessionCheckpointer, read_checkpoint


class OneWeight:
    """The part of a method that SessionCheckpointer.save reads: its iteration and its objects."""

    def __init__(self):
        import tensorflow as tf  # pylint: disable=import-outside-toplevel
        self.iteration = 0
        self.weight = tf.Variable(1.0)

    def checkpoint_objects(self):
        return {"weight": self.weight}


def test_stop_after_checkpoint_stops_after_that_save_only_and_puts_save_back(tmp_path):
    checkpointer, method, original = SessionCheckpointer(str(tmp_path)), OneWeight(), SessionCheckpointer.save
    with pytest.raises(testing.StoppedAfterCheckpoint) as stopped, testing.stop_after_checkpoint(2, 4):
        for session, method.iteration, complete in ((1, 4, False), (2, 4, True), (2, 2, False), (2, 4, False),
                                                    (2, 6, False)):
            checkpointer.save(method, session, complete=complete)
    assert (session, method.iteration, complete) == (2, 4, False)  # the saves before it went on
    assert read_checkpoint(stopped.value.args[0]) == (4, False)  # written before the stop
    assert SessionCheckpointer.save is original
    with testing.stop_after_checkpoint(1, 2):
        pass
    assert SessionCheckpointer.save is original


def test_without_export_writes_nothing_and_puts_the_export_back(tmp_path):
    original = experiment.export_saved_model
    with pytest.raises(KeyError), testing.without_export():
        session = types.SimpleNamespace(index=1)
        assert experiment.export_saved_model(None, session, str(tmp_path / "saved_model")) == str(
            tmp_path / "saved_model")
        raise KeyError("a failing run")
    assert not (tmp_path / "saved_model").exists()
    assert experiment.export_saved_model is original


def test_without_export_keeps_the_sessions_asked_for(monkeypatch):
    exported = []
    monkeypatch.setattr(experiment, "export_saved_model", lambda method, session, path: exported.append(
        session.index) or path)
    with testing.without_export(keep=(2,)):
        for index in (1, 2, 3):
            assert experiment.export_saved_model(None, types.SimpleNamespace(index=index), "p") == "p"
    assert exported == [2]
