from stdnum.cn import ric

from assist.core.crypto import keyed_hash
from tests.factories import make_applicant, next_resident_id


def test_factory_applicant_keeps_its_id_encrypted(network):
    applicant = make_applicant(network["SZ-GS-PJ"])
    assert ric.calc_check_digit(applicant.id_number) == applicant.id_number[-1]
    assert applicant.id_number not in applicant.id_number_enc
    assert applicant.id_hash == keyed_hash(applicant.id_number)
    assert applicant.id_last4 == applicant.id_number[-4:]


def test_generated_ids_carry_gender():
    assert int(next_resident_id(female=True)[16]) % 2 == 0
    assert int(next_resident_id()[16]) % 2 == 1
