-- Sensitive fields are stored sealed (AES-256-GCM, see server/src/crypto.rs): `phone`,
-- `id_number` and `bank_account` hold `enc:v1:<key id>:<base64>`. Equality search on phones uses
-- the blind index beside them (HMAC of the normalised number), never the plaintext.
ALTER TABLE customers ADD COLUMN id_number TEXT;
ALTER TABLE customers ADD COLUMN bank_account TEXT;
ALTER TABLE customers ADD COLUMN phone_bidx TEXT;
ALTER TABLE contacts ADD COLUMN phone_bidx TEXT;
CREATE INDEX customers_phone_bidx ON customers(phone_bidx);
CREATE INDEX contacts_phone_bidx ON contacts(phone_bidx);
