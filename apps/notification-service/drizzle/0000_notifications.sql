CREATE TABLE "notifications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"to" text NOT NULL,
	"template" text NOT NULL,
	"subject" text NOT NULL,
	"body" text NOT NULL,
	"status" text NOT NULL,
	"event_id" text NOT NULL,
	"correlation_id" text,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "notifications_event_id_template_key" UNIQUE("event_id","template"),
	CONSTRAINT "notifications_status_check" CHECK ("notifications"."status" in ('sent', 'recorded', 'failed'))
);
--> statement-breakpoint
CREATE INDEX "notifications_to_lower_idx" ON "notifications" USING btree (lower("to"),"created_at");