CREATE TABLE `collection_sizes` (
	`kind` text NOT NULL,
	`mesh_name` text NOT NULL,
	`parent_name` text NOT NULL,
	`size` integer NOT NULL,
	PRIMARY KEY(`kind`, `mesh_name`, `parent_name`)
);
--> statement-breakpoint
-- The sizes of the collections already stored; from here on every commit keeps them (db/sqlite/commit-statements.ts).
INSERT INTO `collection_sizes` (`kind`, `mesh_name`, `parent_name`, `size`) SELECT `kind`, `mesh_name`, `parent_name`, count(*) FROM `resources` GROUP BY `kind`, `mesh_name`, `parent_name`;
