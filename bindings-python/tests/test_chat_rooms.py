"""sansocket.chat.rooms: the chat's application logic without a transport."""

from __future__ import annotations

from sansocket.chat.rooms import Rooms, valid_room


def clock() -> float:
    return 1_700_000_000.25


def test_posts_are_stamped_numbered_and_kept_up_to_the_history_limit() -> None:
    rooms = Rooms(history=3, clock=clock)
    events = [rooms.post("s1", "ann", "lobby", f"hi {i}") for i in range(5)]
    assert events[0] == {
        "type": "post",
        "id": 0,
        "user": "ann",
        "text": "hi 0",
        "time": 1_700_000_000_250,
    }
    joined = rooms.join("s2", "bob", "lobby")
    assert joined is not None
    history, announce = joined
    assert [p["id"] for p in history["posts"]] == [2, 3, 4]
    assert history["online"] == ["bob"]
    assert announce == {"type": "join", "user": "bob", "online": ["bob"]}


def test_online_list_counts_sessions_per_user() -> None:
    rooms = Rooms(clock=clock)
    assert rooms.join("tab1", "ann", "r") is not None
    second = rooms.join("tab2", "ann", "r")
    assert second is not None and second[1] is None  # a second tab: no announcement
    assert rooms.join("tab3", "bob", "r") is not None
    assert rooms.online("r") == ["ann", "bob"]
    assert rooms.leave("tab1", "r") == []  # ann is still there in tab2
    assert rooms.leave_all("tab2") == [("r", {"type": "leave", "user": "ann", "online": ["bob"]})]
    assert rooms.leave("tab2", "r") == []  # twice: nothing
    assert rooms.online("r") == ["bob"]


def test_bad_room_names_empty_and_long_texts() -> None:
    rooms = Rooms(max_text=5, clock=clock)
    assert valid_room("a-b_C9") and not valid_room("") and not valid_room("a/b")
    assert not valid_room("x" * 65)
    assert rooms.join("s", "ann", "../etc") is None
    assert rooms.post("s", "ann", "a b", "hi") is None
    assert rooms.post("s", "ann", "r", "   ") is None
    post = rooms.post("s", "ann", "r", "  abcdefgh ")
    assert post is not None and post["text"] == "abcde"


def test_rooms_are_bounded_idle_ones_forgotten_first() -> None:
    rooms = Rooms(max_rooms=2, clock=clock)
    assert rooms.join("s1", "ann", "busy") is not None
    assert rooms.post("s1", "ann", "idle", "x") is not None
    assert rooms.post("s1", "ann", "new", "y") is not None  # forgets "idle", not "busy"
    joined = rooms.join("s2", "bob", "idle")  # forgets "new"
    assert joined is not None and joined[0]["posts"] == []
    assert rooms.join("s3", "cid", "third") is None  # both rooms have someone online
    assert rooms.post("s3", "cid", "third", "z") is None
    assert rooms.leave_all("s1") == [("busy", {"type": "leave", "user": "ann", "online": []})]
    assert rooms.join("s3", "cid", "third") is not None


def test_relayed_posts_are_numbered_where_they_are_kept_and_remote_users_counted() -> None:
    rooms = Rooms(clock=clock)
    stamped = rooms.stamp("ann", "r", " hi ")
    assert stamped == {"type": "post", "user": "ann", "text": "hi", "time": 1_700_000_000_250}
    assert rooms.join("s", "bob", "r") is not None
    assert rooms.record("r", stamped) == {**stamped, "id": 0}
    assert rooms.record("r", {**stamped, "text": "again"}) == {**stamped, "text": "again", "id": 1}
    assert rooms.stamp("ann", "r", "") is None and rooms.record("bad/name", stamped) is None
    assert rooms.remote("r", {"type": "join", "user": "zed"}) == {
        "type": "join",
        "user": "zed",
        "online": ["bob", "zed"],
    }
    assert rooms.remote("r", {"type": "post", "user": "zed"}) is None
    assert rooms.remote("r", {"type": "leave", "user": "zed"}) == {
        "type": "leave",
        "user": "zed",
        "online": ["bob"],
    }
    joined = rooms.join("s2", "cy", "r")
    assert joined is not None and [p["id"] for p in joined[0]["posts"]] == [0, 1]
