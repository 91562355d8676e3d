"""A frozen Linux build puts the user's LD_LIBRARY_PATH back for the programs it starts."""
from __future__ import annotations

from oncall_desktop.services.platform.frozen_env import restore_library_path


def test_the_users_path_comes_back_in_a_frozen_linux_build() -> None:
    env = {"LD_LIBRARY_PATH": "/opt/app/_internal:/opt/user", "LD_LIBRARY_PATH_ORIG": "/opt/user", "HOME": "/h"}
    restore_library_path(env, frozen=True, platform="linux")
    assert env == {"LD_LIBRARY_PATH": "/opt/user", "HOME": "/h"}


def test_a_user_without_one_gets_none() -> None:
    env = {"LD_LIBRARY_PATH": "/opt/app/_internal", "HOME": "/h"}
    restore_library_path(env, frozen=True, platform="linux")
    assert env == {"HOME": "/h"}


def test_nothing_changes_outside_a_frozen_linux_build() -> None:
    for frozen, platform in ((False, "linux"), (True, "darwin"), (True, "win32")):
        env = {"LD_LIBRARY_PATH": "/x", "LD_LIBRARY_PATH_ORIG": "/y"}
        restore_library_path(env, frozen=frozen, platform=platform)
        assert env == {"LD_LIBRARY_PATH": "/x", "LD_LIBRARY_PATH_ORIG": "/y"}
