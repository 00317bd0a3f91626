ALTER TABLE "attempts" ADD COLUMN "retryable" boolean;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "restarts_requested" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "restarts_applied" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "jobs_restart_idx" ON "jobs" USING btree ("id") WHERE restarts_requested > restarts_applied;