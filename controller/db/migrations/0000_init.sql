CREATE TABLE "api_tokens" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	CONSTRAINT "api_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "attempts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"instance_id" bigint NOT NULL,
	"job_id" text NOT NULL,
	"attempt" integer NOT NULL,
	"node_id" text NOT NULL,
	"state" text NOT NULL,
	"desired" text DEFAULT 'run' NOT NULL,
	"cpu" double precision NOT NULL,
	"memory_mib" integer NOT NULL,
	"gpu" integer NOT NULL,
	"exit_code" integer,
	"failure_reason" text,
	"message" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "compute_environments" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"owner_id" text NOT NULL,
	"type" text NOT NULL,
	"provider" text NOT NULL,
	"shared" boolean DEFAULT false NOT NULL,
	"desired_nodes" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "compute_environments_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "instances" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"job_id" text NOT NULL,
	"task_name" text NOT NULL,
	"index" integer NOT NULL,
	"state" text NOT NULL,
	"pending_reason" text,
	"attempt_count" integer DEFAULT 0 NOT NULL,
	"current_attempt_id" bigint,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" text PRIMARY KEY NOT NULL,
	"seq" bigserial NOT NULL,
	"owner_id" text NOT NULL,
	"name" text NOT NULL,
	"priority" integer DEFAULT 0 NOT NULL,
	"state" text NOT NULL,
	"desired" text DEFAULT 'run' NOT NULL,
	"client_token" text,
	"spec" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "log_chunks" (
	"attempt_id" bigint NOT NULL,
	"stream" text NOT NULL,
	"seq" integer NOT NULL,
	"data" "bytea" NOT NULL,
	CONSTRAINT "log_chunks_attempt_id_stream_seq_pk" PRIMARY KEY("attempt_id","stream","seq")
);
--> statement-breakpoint
CREATE TABLE "nodes" (
	"id" text PRIMARY KEY NOT NULL,
	"environment_id" text NOT NULL,
	"name" text NOT NULL,
	"state" text NOT NULL,
	"desired" text DEFAULT 'run' NOT NULL,
	"labels" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"cpu" double precision NOT NULL,
	"memory_mib" integer NOT NULL,
	"gpu" integer DEFAULT 0 NOT NULL,
	"metrics" jsonb,
	"credential_hash" text NOT NULL,
	"agent_version" text,
	"protocol_version" integer,
	"hostname" text,
	"os" text,
	"arch" text,
	"last_heartbeat_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "registration_tokens" (
	"id" text PRIMARY KEY NOT NULL,
	"environment_id" text NOT NULL,
	"token_hash" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone,
	CONSTRAINT "registration_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "tasks" (
	"job_id" text NOT NULL,
	"name" text NOT NULL,
	"position" integer NOT NULL,
	"state" text NOT NULL,
	"environment_id" text NOT NULL,
	"instance_count" integer NOT NULL,
	"spec" jsonb NOT NULL,
	CONSTRAINT "tasks_job_id_name_pk" PRIMARY KEY("job_id","name")
);
--> statement-breakpoint
CREATE TABLE "templates" (
	"owner_id" text NOT NULL,
	"name" text NOT NULL,
	"spec" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "templates_owner_id_name_pk" PRIMARY KEY("owner_id","name")
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"admin" boolean DEFAULT false NOT NULL,
	"quotas" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_name_unique" UNIQUE("name")
);
--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "attempts" ADD CONSTRAINT "attempts_instance_id_instances_id_fk" FOREIGN KEY ("instance_id") REFERENCES "public"."instances"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "compute_environments" ADD CONSTRAINT "compute_environments_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instances" ADD CONSTRAINT "instances_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "log_chunks" ADD CONSTRAINT "log_chunks_attempt_id_attempts_id_fk" FOREIGN KEY ("attempt_id") REFERENCES "public"."attempts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "nodes" ADD CONSTRAINT "nodes_environment_id_compute_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."compute_environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registration_tokens" ADD CONSTRAINT "registration_tokens_environment_id_compute_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."compute_environments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_environment_id_compute_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."compute_environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "templates" ADD CONSTRAINT "templates_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "attempts_instance_attempt_idx" ON "attempts" USING btree ("instance_id","attempt");--> statement-breakpoint
CREATE INDEX "attempts_active_node_idx" ON "attempts" USING btree ("node_id") WHERE state IN ('SCHEDULED', 'RUNNING');--> statement-breakpoint
CREATE UNIQUE INDEX "instances_task_index_idx" ON "instances" USING btree ("job_id","task_name","index");--> statement-breakpoint
CREATE INDEX "instances_pending_idx" ON "instances" USING btree ("job_id","task_name","index") WHERE state = 'PENDING';--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_client_token_idx" ON "jobs" USING btree ("owner_id","client_token");--> statement-breakpoint
CREATE INDEX "jobs_owner_seq_idx" ON "jobs" USING btree ("owner_id","seq");--> statement-breakpoint
CREATE INDEX "jobs_active_idx" ON "jobs" USING btree ("priority","seq") WHERE state IN ('PENDING', 'RUNNING', 'STOPPING');--> statement-breakpoint
CREATE INDEX "nodes_environment_idx" ON "nodes" USING btree ("environment_id");