-- A device's spent nonces in one B-tree. The table had a rowid, so each nonce taken wrote
-- three: the rows, the key's index and the expiry index, the last two each at a page of its
-- own for each kiosk (about two of the eleven pages a pickup writes). Keyed by (device,
-- nonce) without a rowid, a nonce is one entry; a site's reconciliation forgets the spent
-- ones by reading each of its devices' keys, as few as the clock window lets a device send.
CREATE TABLE counter_device_nonces_keyed (
    device_id  TEXT NOT NULL,
    nonce      TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (device_id, nonce)
) WITHOUT ROWID;
INSERT INTO counter_device_nonces_keyed (device_id, nonce, expires_at)
    SELECT device_id, nonce, expires_at FROM counter_device_nonces;
DROP TABLE counter_device_nonces;
ALTER TABLE counter_device_nonces_keyed RENAME TO counter_device_nonces;
