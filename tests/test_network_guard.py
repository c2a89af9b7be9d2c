import socket

import pytest

from api.threaded import free_port
from tests.conftest import NetworkBlocked


def test_non_loopback_connections_are_refused() -> None:
    with pytest.raises(NetworkBlocked), socket.socket() as s:
        s.connect(("93.184.216.34", 80))
    with pytest.raises(NetworkBlocked):
        socket.getaddrinfo("example.com", 443)


def test_loopback_is_allowed() -> None:
    port = free_port()
    with socket.socket() as server:
        server.bind(("127.0.0.1", port))
        server.listen(1)
        with socket.socket() as client:
            client.connect(("127.0.0.1", port))
