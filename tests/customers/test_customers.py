import uuid

import pytest
from sqlalchemy import select, text

from contactless.customers import service as customers
from contactless.customers.errors import CustomerExists, CustomerNotFound, InvalidIdNumber
from contactless.customers.models import Customer
from contactless.identity.errors import InvalidMobile
from contactless.platform import audit
from contactless.platform.context import SYSTEM
from contactless.platform.kernel import Kernel
from tests.factories.identity import make_customer, make_small_bank, valid_id_number

GOOD = valid_id_number(1)
WRONG_CHECK_DIGIT = GOOD[:-1] + ("1" if GOOD[-1] != "1" else "2")


def test_pii_is_encrypted_at_rest_and_found_by_blind_index(kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    view = make_customer(kernel, bank.rm_xh, serial=7, mobile="13912345678", name="李四")
    assert view.mobile == "139****5678"
    assert view.name == "李*"
    with kernel.db.engine.connect() as conn:
        raw = " ".join(str(v) for row in conn.execute(text("SELECT * FROM customer")) for v in row)
    assert "13912345678" not in raw
    assert "李四" not in raw
    assert valid_id_number(7) not in raw
    with kernel.db.session() as session:
        found = customers.find_by_mobile(session, mobile="139 1234 5678")
        assert found is not None
        assert found.id == view.id
        full = customers.get_customer(session, bank.rm_xh, customer_id=view.id, unmasked=True)
    assert full.mobile == "13912345678"
    assert full.id_number == valid_id_number(7)


@pytest.mark.parametrize(("mobile", "id_number", "error"), [
    ("23912345678", valid_id_number(1), InvalidMobile),
    ("13912345678", WRONG_CHECK_DIGIT, InvalidIdNumber),
    ("13912345678", "110101198513320011", InvalidIdNumber),  # no such date
])
def test_bad_customer_data_is_refused(kernel: Kernel, mobile: str, id_number: str,
                                      error: type[Exception]) -> None:
    bank = make_small_bank(kernel)
    with pytest.raises(error), kernel.db.session() as session:
        customers.create_customer(session, SYSTEM, name="王五", mobile=mobile,
                                  id_number=id_number, primary_rm_id=uuid.UUID(bank.rm_xh.id))


def test_the_same_person_is_not_registered_twice(kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    make_customer(kernel, bank.rm_xh, serial=1, mobile="13900000001")
    with pytest.raises(CustomerExists):
        make_customer(kernel, bank.rm_bj, serial=1, mobile="13900000002")
    with pytest.raises(CustomerExists):
        make_customer(kernel, bank.rm_bj, serial=2, mobile="13900000001")


def test_scope_rm_sees_own_and_shared_manager_sees_branch_hq_sees_all(kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    xh = make_customer(kernel, bank.rm_xh, serial=1)
    bj = make_customer(kernel, bank.rm_bj, serial=2)
    nb = make_customer(kernel, bank.rm_nb, serial=3)

    def visible(actor: object) -> set[uuid.UUID]:
        with kernel.db.session() as session:
            rows, total = customers.list_customers(session, actor, limit=100)  # type: ignore[arg-type]
        assert total == len(rows)
        return {row.id for row in rows}

    assert visible(bank.rm_xh) == {xh.id}
    assert visible(bank.manager_hz) == {xh.id, bj.id}
    assert visible(bank.admin) == {xh.id, bj.id, nb.id}
    with pytest.raises(CustomerNotFound), kernel.db.session() as session:
        customers.get_customer(session, bank.rm_xh, customer_id=nb.id)
    with kernel.db.session() as session:
        customers.share_customer(session, bank.rm_nb, customer_id=nb.id,
                                 staff_id=uuid.UUID(bank.rm_xh.id))
    assert visible(bank.rm_xh) == {xh.id, nb.id}


def test_a_customer_sees_only_themself(kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    one = make_customer(kernel, bank.rm_xh, serial=1)
    two = make_customer(kernel, bank.rm_xh, serial=2)
    me = customers.customer_actor(one.id)
    with kernel.db.session() as session:
        assert customers.get_customer(session, me, customer_id=one.id).id == one.id
    with pytest.raises(CustomerNotFound), kernel.db.session() as session:
        customers.get_customer(session, me, customer_id=two.id)
    with pytest.raises(CustomerNotFound), kernel.db.session() as session:
        customers.list_customers(session, me)


def test_creation_is_audited_without_pii(kernel: Kernel) -> None:
    bank = make_small_bank(kernel)
    view = make_customer(kernel, bank.rm_xh, serial=1, mobile="13712345678")
    with kernel.db.session() as session:
        [entry] = audit.search(session, action="customer.created", target_id=str(view.id))
        row = session.scalar(select(Customer).where(Customer.id == view.id))
    assert entry.after_digest
    assert "13712345678" not in entry.details
    assert row is not None
    assert row.mobile_index != "13712345678"
