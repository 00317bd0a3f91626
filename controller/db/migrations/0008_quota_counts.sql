ALTER TABLE "users" ADD COLUMN "job_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- The jobs that exist when this migration runs are counted once; from then on submit and delete keep it.
UPDATE "users" u SET "job_count" = (SELECT count(*) FROM "jobs" j WHERE j."owner_id" = u."id");
