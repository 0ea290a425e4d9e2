using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Infrastructure.Persistence.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class RestoreJournal : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "StatusReason",
                table: "Environments",
                type: "character varying(2000)",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Warnings",
                table: "Activities",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "RestoreJournals",
                columns: table => new
                {
                    ActivityId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    EnvironmentId = table.Column<Guid>(type: "uuid", nullable: false),
                    SnapshotId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    SafetySnapshotId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    Phase = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Services = table.Column<List<string>>(type: "text[]", nullable: false),
                    Committed = table.Column<List<string>>(type: "text[]", nullable: false),
                    Attempts = table.Column<int>(type: "integer", nullable: false),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RestoreJournals", x => x.ActivityId);
                    table.ForeignKey(
                        name: "FK_RestoreJournals_Environments_EnvironmentId",
                        column: x => x.EnvironmentId,
                        principalTable: "Environments",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_RestoreJournals_EnvironmentId",
                table: "RestoreJournals",
                column: "EnvironmentId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "RestoreJournals");

            migrationBuilder.DropColumn(
                name: "StatusReason",
                table: "Environments");

            migrationBuilder.DropColumn(
                name: "Warnings",
                table: "Activities");
        }
    }
}
