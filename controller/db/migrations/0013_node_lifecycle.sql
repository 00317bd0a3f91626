ALTER TABLE "compute_environments" ADD COLUMN "template" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "compute_environments" ADD COLUMN "provider_config" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "compute_environments" ADD COLUMN "max_nodes" integer;--> statement-breakpoint
ALTER TABLE "compute_environments" ADD COLUMN "idle_timeout_seconds" integer;--> statement-breakpoint
ALTER TABLE "compute_environments" ADD COLUMN "deleting" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "compute_environments" ADD COLUMN "removed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "nodes" ADD COLUMN "gpus" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "nodes" ADD COLUMN "provider_id" text;--> statement-breakpoint
ALTER TABLE "nodes" ADD COLUMN "provisioned" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "nodes" ADD COLUMN "message" text;--> statement-breakpoint
ALTER TABLE "nodes" ADD COLUMN "idle_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "nodes" ADD COLUMN "terminated_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "registration_tokens" ADD COLUMN "node_id" text;--> statement-breakpoint
-- Hand-joined environments were `managed` with provider `manual`; they are `unmanaged` now, and
-- the built-in `local` environment is a managed one whose provider is `local`.
UPDATE "compute_environments" SET "type" = 'unmanaged', "provider" = 'none' WHERE "provider" = 'manual';--> statement-breakpoint
UPDATE "compute_environments" SET "type" = 'managed' WHERE "type" = 'local';--> statement-breakpoint
-- Node events say why a node is in its state (a provider's error, a boot timeout).
CREATE OR REPLACE FUNCTION "events_from_nodes"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO events (owner_id, kind, node_id, environment, state, data)
    SELECT e.owner_id, 'node', n.id, e.name, n.state, jsonb_strip_nulls(jsonb_build_object('name', n.name, 'message', n.message))
    FROM new_rows n JOIN compute_environments e ON e.id = n.environment_id ORDER BY n.id;
  ELSE
    INSERT INTO events (owner_id, kind, node_id, environment, state, data)
    SELECT e.owner_id, 'node', n.id, e.name, n.state, jsonb_strip_nulls(jsonb_build_object('name', n.name, 'message', n.message))
    FROM new_rows n JOIN old_rows o ON o.id = n.id JOIN compute_environments e ON e.id = n.environment_id
    WHERE n.state IS DISTINCT FROM o.state ORDER BY n.id;
  END IF;
  RETURN NULL;
END $$;
