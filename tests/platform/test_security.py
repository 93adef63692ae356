import pytest

from contactless.platform.logging import mask_text
from contactless.platform.security import (
    DecryptionFailed,
    FieldCipher,
    TokenSigner,
    hash_password,
    mask_id_number,
    mask_mobile,
    verify_password,
)

KEY = "k" * 40
OLD_KEY = "o" * 40


def test_passwords_are_hashed_with_argon2() -> None:
    hashed = hash_password("Correct-horse-42")
    assert hashed.startswith("$argon2")
    assert verify_password(hashed, "Correct-horse-42")
    assert not verify_password(hashed, "wrong")
    assert not verify_password("not-a-hash", "wrong")


def test_fields_are_encrypted_with_a_key_id_and_decrypt_back() -> None:
    cipher = FieldCipher.from_secrets(KEY)
    token = cipher.encrypt("13800001234", context="customer.mobile")
    assert "13800001234" not in token
    assert token.split(":")[0] == cipher.current_id
    assert cipher.decrypt(token, context="customer.mobile") == "13800001234"
    assert cipher.encrypt("same") != cipher.encrypt("same")  # random nonce


def test_tampered_or_misplaced_ciphertext_does_not_decrypt() -> None:
    cipher = FieldCipher.from_secrets(KEY)
    token = cipher.encrypt("secret", context="a")
    with pytest.raises(DecryptionFailed):
        cipher.decrypt(token, context="b")
    with pytest.raises(DecryptionFailed):
        cipher.decrypt(token[:-4] + "AAAA", context="a")


def test_rotated_keys_still_decrypt_older_values() -> None:
    old = FieldCipher.from_secrets(OLD_KEY)
    token = old.encrypt("110101198506120011")
    rotated = FieldCipher.from_secrets(KEY, [OLD_KEY])
    assert rotated.decrypt(token) == "110101198506120011"
    assert rotated.encrypt("x").split(":")[0] != old.current_id


def test_blind_index_matches_equal_values_only() -> None:
    cipher = FieldCipher.from_secrets(KEY)
    assert cipher.blind_index("11010119900307001x", kind="id") == cipher.blind_index(
        "11010119900307001X", kind="id")
    assert cipher.blind_index("13800001234", kind="mobile") != cipher.blind_index(
        "13800001234", kind="id")
    assert FieldCipher.from_secrets(OLD_KEY).blind_index("1", kind="m") != cipher.blind_index(
        "1", kind="m")


def test_signed_tokens_expire_and_refuse_tampering() -> None:
    signer = TokenSigner(KEY)
    token = signer.dumps({"sid": "1"}, purpose="session")
    assert signer.loads(token, purpose="session", max_age=60) == {"sid": "1"}
    assert signer.loads(token, purpose="other", max_age=60) is None
    assert signer.loads(token + "x", purpose="session", max_age=60) is None
    assert signer.loads(token, purpose="session", max_age=-1) is None


def test_masks_hide_the_middle() -> None:
    assert mask_mobile("13812345678") == "138****5678"
    assert mask_id_number("110101198506120011") == "110***********0011"
    assert mask_text("call 13812345678 id 110101198506120011") == (
        "call 138****5678 id 110***********0011")
