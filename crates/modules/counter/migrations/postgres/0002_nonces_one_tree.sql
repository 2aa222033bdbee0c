-- A device's spent nonces without their expiry index: each nonce taken wrote it besides the
-- table and its key. A site's reconciliation forgets the spent ones by reading each of its
-- devices' keys (the primary key's prefix), as few as the clock window lets a device send.
DROP INDEX counter_device_nonces_expiry;
