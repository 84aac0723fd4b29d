"""Ports for engines' servers come from below the kernel's ephemeral range, where neither
outgoing connections nor Docker's published ports (`-p 0`) are given out: a session running
beside another cannot take a port between its pick and the server's bind."""

import socket

from fixtures.engines.ports import _ephemeral_start, free_ports


def test_ports_are_distinct_free_and_below_the_ephemeral_range():
    for _ in range(50):
        ports = free_ports(3)
        assert len(set(ports)) == 3, ports
        assert all(1024 <= port < _ephemeral_start() for port in ports), ports
        for port in ports:
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", port))  # free: a server can bind it


def test_a_port_in_use_is_not_given(monkeypatch):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        monkeypatch.setattr("fixtures.engines.ports._ephemeral_start", lambda: port + 1)
        monkeypatch.setattr("fixtures.engines.ports.LOWEST", port)  # the range is this one port
        try:
            free_ports(1)
        except OSError as err:
            assert "no 1 free ports" in str(err)
        else:
            raise AssertionError("a port already bound was given out")
