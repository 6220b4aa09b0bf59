"""The cloud's keys and certificates: its own CA, the HTTPS server certificate, token-signing keys.

All are created on first start in the data directory and reused afterwards, so clients keep
trusting the same CA across restarts.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import ipaddress
import re
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.oid import NameOID

from cmagent.cloud.files import write_private
from cmagent.cloud.files import write_public

DEFAULT_NAMES = ("localhost", "127.0.0.1", "::1")
_CA_DAYS = 3650
_SERVER_DAYS = 825


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def load_key(pem: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def thumbprints(cert: x509.Certificate) -> tuple[str, str]:
    """SHA-1 and SHA-256 thumbprints of the DER certificate, upper-case hex."""
    der = cert.public_bytes(serialization.Encoding.DER)
    return hashlib.sha1(der).hexdigest().upper(), hashlib.sha256(der).hexdigest().upper()


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "cmagent local cloud"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def new_ca() -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = new_key()
    name = _name("cmagent local cloud CA")
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(_now() - datetime.timedelta(days=1))
            .not_valid_after(_now() + datetime.timedelta(days=_CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True,
                                         crl_sign=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))
    return key, cert


def _san(names: list[str]) -> x509.SubjectAlternativeName:
    entries: list[x509.GeneralName] = []
    for name in names:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            entries.append(x509.DNSName(name))
    return x509.SubjectAlternativeName(entries)


def issue_server_cert(ca_key: rsa.RSAPrivateKey, ca_cert: x509.Certificate,
                      names: list[str]) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = new_key()
    cert = (x509.CertificateBuilder().subject_name(_name(names[0]))
            .issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(_now() - datetime.timedelta(days=1))
            .not_valid_after(_now() + datetime.timedelta(days=_SERVER_DAYS))
            .add_extension(_san(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    return key, cert


def self_signed(key: rsa.RSAPrivateKey, common_name: str, days: int) -> x509.Certificate:
    """A self-signed certificate for a token-signing key (published in JWKS ``x5c``)."""
    name = _name(common_name)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(_now() - datetime.timedelta(days=1))
            .not_valid_after(_now() + datetime.timedelta(days=days))
            .sign(key, hashes.SHA256()))


def _spki(key: Any) -> bytes:
    """A public key as bytes, to tell whether two belong together."""
    return bytes(key.public_bytes(serialization.Encoding.DER,
                                  serialization.PublicFormat.SubjectPublicKeyInfo))


class PkiError(ValueError):
    """The data directory's CA cannot serve; the message says what to do."""


def load_ca(cert_path: Path, key_path: Path, what: str,
            then: str) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A CA's key and certificate, which must belong together; PkiError (naming ``what``, and
    ``then``: what making a new one means) when they cannot serve."""
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = load_key(key_path.read_bytes())
    except (OSError, ValueError, TypeError) as error:
        reason = getattr(error, "strerror", None) or error
        raise PkiError(f"{what} ({cert_path}, {key_path}) cannot be read ({reason}); restore "
                       f"both from a backup, or move them aside to make a new one ({then})") \
            from None
    if _spki(cert.public_key()) != _spki(key.public_key()):
        raise PkiError(f"{what}: {key_path} is not the key of {cert_path}; restore the pair "
                       f"from a backup, or move both aside to make a new one ({then})")
    return key, cert


def dns_name(name: str) -> str:
    """A --hostname as the certificate holds it: an IP address, or a DNS name in ASCII (an
    internationalised one in its A-label form); anything else is a PkiError."""
    if _is_ip(name):
        return name
    try:
        ascii_name = name.encode("idna").decode("ascii").lower()
    except UnicodeError:
        ascii_name = ""
    labels = ascii_name.removeprefix("*.").split(".")
    if not (0 < len(ascii_name) <= 253 and all(_LABEL.fullmatch(label) for label in labels)):
        raise PkiError(f"--hostname {name[:80]!r} is no host name (letters, digits and '-' in "
                       "dot-separated labels, optionally '*.' first)")
    return ascii_name


_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


class ServerTLS:
    """The CA and server certificate files of a data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.ca_cert_path = data_dir / "ca.pem"
        self.ca_key_path = data_dir / "ca.key"
        self.cert_path = data_dir / "server.pem"
        self.key_path = data_dir / "server.key"

    def ensure(self, extra_names: list[str]) -> None:
        """Create the CA once; (re)issue the server certificate when it lacks a wanted name
        or cannot be read (it is made from the CA again). A CA that cannot be read is a
        PkiError: clients trust it, so it is never replaced silently."""
        if not self.ca_cert_path.exists():
            ca_key, ca_cert = new_ca()
            write_private(self.ca_key_path, key_pem(ca_key))
            write_public(self.ca_cert_path, cert_pem(ca_cert))
        ca_key, ca_cert = self._ca()
        names = list(dict.fromkeys([*DEFAULT_NAMES, *(dns_name(n) for n in extra_names)]))
        if self._covers(names):
            return
        key, cert = issue_server_cert(ca_key, ca_cert, names)
        write_private(self.key_path, key_pem(key))
        write_public(self.cert_path, cert_pem(cert))

    def _ca(self) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
        return load_ca(self.ca_cert_path, self.ca_key_path, "the cloud's CA",
                       "clients must then trust the new ca.pem")

    def _covers(self, names: list[str]) -> bool:
        if not self.cert_path.exists() or not self.key_path.exists():
            return False
        try:
            cert = x509.load_pem_x509_certificate(self.cert_path.read_bytes())
            key = load_key(self.key_path.read_bytes())
            san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        except (ValueError, TypeError, x509.ExtensionNotFound):
            return False  # damaged or not a server certificate: issued again from the CA
        if _spki(cert.public_key()) != _spki(key.public_key()):
            return False  # the key is another certificate's
        if cert.not_valid_after_utc < _now() + datetime.timedelta(days=30):
            return False
        present = {str(v) for v in san.get_values_for_type(x509.IPAddress)}
        present |= set(san.get_values_for_type(x509.DNSName))
        return all(str(ipaddress.ip_address(n)) in present if _is_ip(n) else n in present
                   for n in names)


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True
