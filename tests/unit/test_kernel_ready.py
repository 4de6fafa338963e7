"""autograde.sandbox.ReadyKernelClient: a kernel is ready once IOPub carries the status of one of the
wait's own requests (a flaky CI run: a restarted kernel's next cell lost its output)."""

from queue import Empty

from conftest import run_async

from autograde.sandbox import ReadyKernelClient


class Channel:
    """Messages in order, each given only once the client has sent ``after`` requests (a reply never
    comes before its request)."""

    def __init__(self, client, messages):
        self.client, self.messages = client, list(messages)

    async def get_msg(self, timeout=None):
        if not self.messages or len(self.client.sent) < self.messages[0][0]:
            raise Empty
        return self.messages.pop(0)[1]


def message(kind, parent):
    return {"msg_type": kind, "parent_header": {"msg_id": parent}, "content": {}}


class Scripted(ReadyKernelClient):
    """A client whose channels hold scripted messages: what a kernel restarted under load sends."""

    def __init__(self, shell, iopub):
        super().__init__()
        self.sent, self._shell, self._iopub = [], Channel(self, shell), Channel(self, iopub)

    @property
    def shell_channel(self):
        return self._shell

    @property
    def iopub_channel(self):
        return self._iopub

    def kernel_info(self):
        self.sent.append(f"info-{len(self.sent) + 1}")
        return self.sent[-1]

    async def _async_is_alive(self):
        return True

    def _handle_kernel_info_reply(self, reply):
        self.ready_with = reply


def test_a_message_of_the_kernel_before_a_restart_is_no_proof_that_iopub_is_connected():
    # The first request's reply comes with only a message of the former kernel on IOPub (its last
    # status): not ready yet. The second request's status arrives: ready.
    client = Scripted(
        shell=[(1, message("kernel_info_reply", "info-1")), (2, message("kernel_info_reply", "info-2"))],
        iopub=[(0, message("status", "execute-before-the-restart")), (2, message("status", "info-2"))],
    )
    run_async(client.wait_for_ready(timeout=30))
    assert client.sent == ["info-1", "info-2"]
    assert client.ready_with["parent_header"]["msg_id"] == "info-2"
