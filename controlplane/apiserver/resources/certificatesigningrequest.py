"""CertificateSigningRequests (certificates.k8s.io/v1, cluster-scoped): who asked is the requesting user, set
by the server; the spec is fixed once made; approval goes through `/approval`, the certificate through `/status`."""
from __future__ import annotations

from api import meta
from controlplane.apiserver.auth.request import current_user
from controlplane.apiserver.resources.strategy import PartialUpdate, Strategy
from controlplane.apiserver.validation import certificates as validation
from proto import types_pb2

# A real request (CN=sample), so the test walking every kind can create one.
SAMPLE_REQUEST = (
    "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlIS01ITUNBUUF3RVRFUE1BMEdBMVVFQXd3R2MyRnRjR3hsTUZrd0V3WUhL"
    "b1pJemowQ0FRWUlLb1pJemowRApBUWNEUWdBRXFHcVJKdmpZWnY2T3hOSEhjdFEremkxWU9OMmhLOWh5TkVCOHNsUjkvN2JUZkhzbXA0bkNz"
    "bjR0CmVSc3VRTHBGQXBqRGVURlBJTUNwTHlOOU5QbHB4cUFBTUFvR0NDcUdTTTQ5QkFNQ0EwY0FNRVFDSUFtb0YrWDcKRVN1N2owNjNPNXhx"
    "SmFmSGZPWWdVT090dG5PbnRPRmt3ZGMyQWlCcEN2N1Z6L1lmQzgyaHQreHZzanJxUmJ1ZwpCOHlRckpYYUY5M1Y5Um9JMGc9PQotLS0tLUVO"
    "RCBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K")


def _default_conditions(csr: types_pb2.CertificateSigningRequest) -> None:
    for c in csr.status.conditions:
        if not c.status:
            c.status = "True"  # Kubernetes' SetDefaults_CertificateSigningRequestCondition


def _stamp_conditions(new: types_pb2.CertificateSigningRequest, old: types_pb2.CertificateSigningRequest) -> None:
    """The server fills lastUpdateTime and lastTransitionTime a client left out (populateConditionTimestamps)."""
    now = meta.now_text()
    before = {c.type: c for c in old.status.conditions}
    for c in new.status.conditions:
        if not c.last_update_time:
            c.last_update_time = now
        if not c.last_transition_time:
            prior = before.get(c.type)
            c.last_transition_time = prior.last_transition_time if prior is not None and \
                prior.status == c.status and prior.last_transition_time else now


def _take_approval(body: types_pb2.CertificateSigningRequest,
                   stored: types_pb2.CertificateSigningRequest) -> types_pb2.CertificateSigningRequest:
    """Only the conditions of the body count: approve or deny (Kubernetes' csrApprovalStrategy)."""
    new = meta.copy(stored)
    del new.status.conditions[:]
    new.status.conditions.extend(body.status.conditions)
    _default_conditions(new)
    _stamp_conditions(new, stored)
    return new


def _validate_approval(new, old) -> list[str]:
    return validation.validate_approval_update(new, old)


class CertificateSigningRequestStrategy(Strategy):
    sample = {"metadata": {"name": "sample"},
              "spec": {"request": SAMPLE_REQUEST, "signerName": "example.com/sample", "usages": ["client auth"]}}
    partial_updates = {"approval": PartialUpdate(_take_approval, _validate_approval)}

    def prepare_for_create(self, csr: types_pb2.CertificateSigningRequest) -> None:
        # Who asked is never the body's to say: the authenticated user, as Kubernetes' PrepareForCreate.
        user = current_user.get()
        if user is not None:
            csr.spec.username, csr.spec.uid = user.name, user.uid
            del csr.spec.groups[:]
            csr.spec.groups.extend(user.groups)

    def prepare_for_update(self, new: types_pb2.CertificateSigningRequest,
                           old: types_pb2.CertificateSigningRequest) -> None:
        new.spec.CopyFrom(old.spec)  # the request is immutable; status came from old already

    def default(self, csr: types_pb2.CertificateSigningRequest) -> None:
        _default_conditions(csr)

    def validate(self, csr: types_pb2.CertificateSigningRequest) -> list[str]:
        return validation.validate(csr)

    def validate_status_update(self, new, old) -> list[str]:
        return validation.validate_status_update(new, old)


STRATEGY = CertificateSigningRequestStrategy()
