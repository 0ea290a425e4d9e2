using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Infrastructure.Persistence.Migrations.Sqlite
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
                type: "TEXT",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Warnings",
                table: "Activities",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "RestoreJournals",
                columns: table => new
                {
                    ActivityId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    EnvironmentId = table.Column<Guid>(type: "TEXT", nullable: false),
                    SnapshotId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    SafetySnapshotId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    Phase = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Services = table.Column<string>(type: "TEXT", nullable: false),
                    Committed = table.Column<string>(type: "TEXT", nullable: false),
                    Attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
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
