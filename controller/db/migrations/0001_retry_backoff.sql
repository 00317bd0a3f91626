ALTER TABLE "instances" ADD COLUMN "not_before" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "instances" ADD COLUMN "retry_floor" integer DEFAULT 0 NOT NULL;