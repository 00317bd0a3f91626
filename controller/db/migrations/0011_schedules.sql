CREATE TABLE "schedule_runs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"schedule_id" text NOT NULL,
	"tick_at" timestamp with time zone NOT NULL,
	"claimed_at" timestamp with time zone NOT NULL,
	"outcome" text,
	"job_id" text,
	"reason" text,
	"missed" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "schedules" (
	"id" text PRIMARY KEY NOT NULL,
	"owner_id" text NOT NULL,
	"name" text NOT NULL,
	"cron" text NOT NULL,
	"timezone" text NOT NULL,
	"overlap" text NOT NULL,
	"catch_up" text NOT NULL,
	"job" jsonb NOT NULL,
	"paused" boolean DEFAULT false NOT NULL,
	"next_tick_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "schedule_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "schedule_runs" ADD CONSTRAINT "schedule_runs_schedule_id_schedules_id_fk" FOREIGN KEY ("schedule_id") REFERENCES "public"."schedules"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "schedules" ADD CONSTRAINT "schedules_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "schedule_runs_tick_idx" ON "schedule_runs" USING btree ("schedule_id","tick_at");--> statement-breakpoint
CREATE INDEX "schedule_runs_unfinished_idx" ON "schedule_runs" USING btree ("claimed_at") WHERE outcome IS NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "schedules_owner_name_idx" ON "schedules" USING btree ("owner_id","name");--> statement-breakpoint
CREATE INDEX "schedules_due_idx" ON "schedules" USING btree ("next_tick_at") WHERE next_tick_at IS NOT NULL;