CREATE TABLE "change_log" (
	"seq" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "change_log_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"scope" text NOT NULL,
	"revision" bigint NOT NULL,
	"action" text NOT NULL,
	"kind" text NOT NULL,
	"mesh_name" text NOT NULL,
	"parent_name" text NOT NULL,
	"name" text NOT NULL,
	"at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "endpoints" (
	"namespace_name" text NOT NULL,
	"service_name" text NOT NULL,
	"instance_id" text NOT NULL,
	"address" text NOT NULL,
	"port" integer NOT NULL,
	"attributes" jsonb NOT NULL,
	"health" text NOT NULL,
	"updated_at" bigint NOT NULL,
	CONSTRAINT "endpoints_namespace_name_service_name_instance_id_pk" PRIMARY KEY("namespace_name","service_name","instance_id")
);
--> statement-breakpoint
CREATE TABLE "idempotency" (
	"token" text PRIMARY KEY NOT NULL,
	"request_hash" text NOT NULL,
	"response" jsonb NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "refs" (
	"from_uid" text NOT NULL,
	"mesh_name" text NOT NULL,
	"to_kind" text NOT NULL,
	"to_name" text NOT NULL,
	CONSTRAINT "refs_from_uid_to_kind_to_name_pk" PRIMARY KEY("from_uid","to_kind","to_name")
);
--> statement-breakpoint
CREATE TABLE "resources" (
	"seq" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "resources_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"kind" text NOT NULL,
	"mesh_name" text NOT NULL,
	"parent_name" text NOT NULL,
	"name" text NOT NULL,
	"uid" text NOT NULL,
	"arn" text NOT NULL,
	"spec" jsonb NOT NULL,
	"status" text NOT NULL,
	"version" bigint NOT NULL,
	"created_at" bigint NOT NULL,
	"last_updated_at" bigint NOT NULL,
	"mesh_owner" text NOT NULL,
	"resource_owner" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "revisions" (
	"scope" text PRIMARY KEY NOT NULL,
	"revision" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tags" (
	"resource_uid" text NOT NULL,
	"position" integer NOT NULL,
	"key" text NOT NULL,
	"value" text NOT NULL,
	CONSTRAINT "tags_resource_uid_key_pk" PRIMARY KEY("resource_uid","key")
);
--> statement-breakpoint
CREATE INDEX "change_log_scope" ON "change_log" USING btree ("scope","revision");--> statement-breakpoint
CREATE INDEX "refs_target" ON "refs" USING btree ("mesh_name","to_kind","to_name");--> statement-breakpoint
CREATE UNIQUE INDEX "resources_key" ON "resources" USING btree ("kind","mesh_name","parent_name","name");--> statement-breakpoint
CREATE UNIQUE INDEX "resources_uid" ON "resources" USING btree ("uid");--> statement-breakpoint
CREATE UNIQUE INDEX "resources_arn" ON "resources" USING btree ("arn");--> statement-breakpoint
CREATE INDEX "resources_mesh" ON "resources" USING btree ("mesh_name","seq");