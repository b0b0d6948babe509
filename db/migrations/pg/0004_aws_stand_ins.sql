CREATE TABLE "aws_resources" (
	"seq" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "aws_resources_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"service" text NOT NULL,
	"kind" text NOT NULL,
	"id" text NOT NULL,
	"parent_id" text NOT NULL,
	"name" text NOT NULL,
	"data" jsonb NOT NULL,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "endpoints" ADD COLUMN "service_id" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "endpoints" ADD COLUMN "creator_request_id" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "endpoints" ADD COLUMN "created_at" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "aws_resources_id" ON "aws_resources" USING btree ("service","kind","id");--> statement-breakpoint
CREATE UNIQUE INDEX "aws_resources_name" ON "aws_resources" USING btree ("service","kind","parent_id","name") WHERE "aws_resources"."name" <> '';--> statement-breakpoint
CREATE INDEX "aws_resources_parent" ON "aws_resources" USING btree ("service","kind","parent_id","seq");--> statement-breakpoint
CREATE INDEX "endpoints_service" ON "endpoints" USING btree ("service_id","instance_id");--> statement-breakpoint
-- Data: the instances of the former endpoint registry become instances of Cloud Map services. Each namespace name
-- they used becomes an HTTP namespace (unless one exists), each service a service with a custom health check (so
-- their HEALTHY/UNHEALTHY states stay meaningful), and their address and port become the AWS_INSTANCE_* attributes.
INSERT INTO "aws_resources" ("service", "kind", "id", "parent_id", "name", "data", "created_at", "updated_at")
SELECT 'servicediscovery', 'namespace', 'ns-' || substr(md5(random()::text || clock_timestamp()::text), 1, 16), '', "legacy"."namespace_name",
  jsonb_build_object('Type', 'HTTP', 'Description', 'created by the migration of the endpoint registry', 'Properties', jsonb_build_object('HttpProperties', jsonb_build_object('HttpName', "legacy"."namespace_name"))),
  (extract(epoch from now()) * 1000)::bigint, (extract(epoch from now()) * 1000)::bigint
FROM (SELECT DISTINCT "namespace_name" FROM "endpoints" WHERE "service_id" = '') AS "legacy"
WHERE NOT EXISTS (SELECT 1 FROM "aws_resources" WHERE "service" = 'servicediscovery' AND "kind" = 'namespace' AND "name" = "legacy"."namespace_name");
--> statement-breakpoint
INSERT INTO "aws_resources" ("service", "kind", "id", "parent_id", "name", "data", "created_at", "updated_at")
SELECT 'servicediscovery', 'service', 'srv-' || substr(md5(random()::text || clock_timestamp()::text), 1, 16), "ns"."id", "legacy"."service_name",
  jsonb_build_object('NamespaceName', "legacy"."namespace_name", 'Type', 'HTTP', 'Description', 'created by the migration of the endpoint registry', 'HealthCheckCustomConfig', jsonb_build_object('FailureThreshold', 1)),
  (extract(epoch from now()) * 1000)::bigint, (extract(epoch from now()) * 1000)::bigint
FROM (SELECT DISTINCT "namespace_name", "service_name" FROM "endpoints" WHERE "service_id" = '') AS "legacy"
JOIN "aws_resources" AS "ns" ON "ns"."service" = 'servicediscovery' AND "ns"."kind" = 'namespace' AND "ns"."name" = "legacy"."namespace_name"
WHERE NOT EXISTS (SELECT 1 FROM "aws_resources" WHERE "service" = 'servicediscovery' AND "kind" = 'service' AND "parent_id" = "ns"."id" AND "name" = "legacy"."service_name");
--> statement-breakpoint
UPDATE "endpoints" SET
  "service_id" = (SELECT "srv"."id" FROM "aws_resources" AS "srv" JOIN "aws_resources" AS "ns" ON "ns"."id" = "srv"."parent_id" AND "ns"."service" = 'servicediscovery' AND "ns"."kind" = 'namespace'
    WHERE "srv"."service" = 'servicediscovery' AND "srv"."kind" = 'service' AND "srv"."name" = "endpoints"."service_name" AND "ns"."name" = "endpoints"."namespace_name"),
  "attributes" = "attributes" || jsonb_build_object(CASE WHEN position(':' in "address") > 0 THEN 'AWS_INSTANCE_IPV6' ELSE 'AWS_INSTANCE_IPV4' END, "address", 'AWS_INSTANCE_PORT', "port"::text),
  "health" = CASE WHEN "health" = 'UNHEALTHY' THEN 'UNHEALTHY' ELSE 'HEALTHY' END,
  "created_at" = "updated_at"
WHERE "service_id" = '';
