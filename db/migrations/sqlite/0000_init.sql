CREATE TABLE `change_log` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`scope` text NOT NULL,
	`revision` integer NOT NULL,
	`action` text NOT NULL,
	`kind` text NOT NULL,
	`mesh_name` text NOT NULL,
	`parent_name` text NOT NULL,
	`name` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `change_log_scope` ON `change_log` (`scope`,`revision`);--> statement-breakpoint
CREATE TABLE `endpoints` (
	`namespace_name` text NOT NULL,
	`service_name` text NOT NULL,
	`instance_id` text NOT NULL,
	`address` text NOT NULL,
	`port` integer NOT NULL,
	`attributes` text NOT NULL,
	`health` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`namespace_name`, `service_name`, `instance_id`)
);
--> statement-breakpoint
CREATE TABLE `idempotency` (
	`token` text PRIMARY KEY NOT NULL,
	`request_hash` text NOT NULL,
	`response` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `refs` (
	`from_uid` text NOT NULL,
	`mesh_name` text NOT NULL,
	`to_kind` text NOT NULL,
	`to_name` text NOT NULL,
	PRIMARY KEY(`from_uid`, `to_kind`, `to_name`)
);
--> statement-breakpoint
CREATE INDEX `refs_target` ON `refs` (`mesh_name`,`to_kind`,`to_name`);--> statement-breakpoint
CREATE TABLE `resources` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`mesh_name` text NOT NULL,
	`parent_name` text NOT NULL,
	`name` text NOT NULL,
	`uid` text NOT NULL,
	`arn` text NOT NULL,
	`spec` text NOT NULL,
	`status` text NOT NULL,
	`version` integer NOT NULL,
	`created_at` integer NOT NULL,
	`last_updated_at` integer NOT NULL,
	`mesh_owner` text NOT NULL,
	`resource_owner` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `resources_key` ON `resources` (`kind`,`mesh_name`,`parent_name`,`name`);--> statement-breakpoint
CREATE UNIQUE INDEX `resources_uid` ON `resources` (`uid`);--> statement-breakpoint
CREATE UNIQUE INDEX `resources_arn` ON `resources` (`arn`);--> statement-breakpoint
CREATE INDEX `resources_mesh` ON `resources` (`mesh_name`,`seq`);--> statement-breakpoint
CREATE TABLE `revisions` (
	`scope` text PRIMARY KEY NOT NULL,
	`revision` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `tags` (
	`resource_uid` text NOT NULL,
	`position` integer NOT NULL,
	`key` text NOT NULL,
	`value` text NOT NULL,
	PRIMARY KEY(`resource_uid`, `key`)
);
