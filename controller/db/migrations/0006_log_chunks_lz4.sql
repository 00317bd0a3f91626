-- Log bytes are compressed with lz4 where the server has it: several times cheaper than the
-- default pglz while logs stream in. Servers built without lz4 (and PGlite) keep pglz.
DO $$
BEGIN
  ALTER TABLE "log_chunks" ALTER COLUMN "data" SET COMPRESSION lz4;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'log_chunks.data keeps the default compression: %', SQLERRM;
END
$$;
