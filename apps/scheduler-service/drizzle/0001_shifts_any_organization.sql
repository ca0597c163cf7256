ALTER TABLE "shifts" DROP CONSTRAINT "shifts_organization_id_organizations_id_fk";
