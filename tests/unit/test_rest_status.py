"""API errors become Kubernetes Status objects with the right code, reason and causes."""
from api import errors
from controlplane.apiserver.rest import media, status


def test_not_found_is_404_with_details():
    code, body = status.from_error(errors.NotFound('pods "web" not found'), {"name": "web", "kind": "pods"})
    assert code == 404
    assert body["reason"] == "NotFound" and body["status"] == "Failure" and body["details"]["name"] == "web"


def test_invalid_is_422_with_one_cause_per_field():
    e = errors.Invalid.of('Pod "web"', ["spec.containers[0].image: Required value",
                                       "spec.restartPolicy: Unsupported value: \"x\""])
    code, body = status.from_error(e)
    assert code == 422
    assert body["details"]["causes"] == [
        {"reason": "FieldValueRequired", "message": "Required value", "field": "spec.containers[0].image"},
        {"reason": "FieldValueNotSupported", "message": 'Unsupported value: "x"', "field": "spec.restartPolicy"}]


def test_conflict_already_exists_and_expired_codes():
    assert status.from_error(errors.Conflict("x"))[0] == 409
    assert status.from_error(errors.AlreadyExists("x"))[1]["reason"] == "AlreadyExists"
    assert status.from_error(errors.Expired("too old"))[0] == 410


def test_unexpected_exception_is_500_internal_error():
    code, body = status.from_error(RuntimeError("boom"))
    assert code == 500 and body["reason"] == "InternalError"


def test_kubectl_get_accept_header_asks_for_a_table():
    accept = ("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,"
              "application/json")
    assert media.wants_table(accept)
    assert not media.wants_table("application/json")


def test_aggregated_discovery_version_is_read_from_accept():
    accept = ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
              "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json")
    assert media.aggregated_discovery(accept) == "v2"
    assert media.aggregated_discovery("application/json") is None
