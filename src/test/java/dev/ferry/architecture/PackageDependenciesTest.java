package dev.ferry.architecture;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * Ferry's packages are its capabilities, and their dependencies flow one way: a newcomer can read one package
 * knowing only those below it. These rules read the compiled main classes, so they fail on the change that breaks
 * them.
 */
@Tag("unit")
class PackageDependenciesTest {

	private static final JavaClasses FERRY = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.importPackages("dev.ferry");

	@Test
	void noTwoPackagesDependOnEachOtherThroughAnyPath() {
		ArchRule rule = slices().matching("dev.ferry.(*)..").should().beFreeOfCycles();
		rule.check(FERRY);
	}

	@Test
	void onlyTheApplicationItselfLivesInTheRootPackageAndNothingDependsOnIt() {
		ArchRule rule = noClasses().that()
			.resideOutsideOfPackage("dev.ferry")
			.should()
			.dependOnClassesThat()
			.resideInAPackage("dev.ferry");
		rule.check(FERRY);
	}

	@Test
	void awsClientsAreBuiltInOnePlace() {
		ArchRule rule = noClasses().that()
			.resideOutsideOfPackage("dev.ferry.aws..")
			.should()
			.callMethodWhere(DescribedPredicate.describe("a builder of an AWS SDK client",
					(call) -> call.getTarget().getName().equals("builder")
							&& (call.getTargetOwner().isAssignableTo("software.amazon.awssdk.core.SdkClient")
									|| call.getTargetOwner().getSimpleName().endsWith("Utilities"))));
		rule.check(FERRY);
	}

	@Test
	void theReportRendersAndDecidesNothing() {
		ArchRule rule = noClasses().that()
			.resideInAPackage("dev.ferry.report..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("dev.ferry.command..", "dev.ferry.migration..", "dev.ferry.database..",
					"dev.ferry.snapshot..", "org.flywaydb.core..");
		rule.check(FERRY);
	}

}
