package dev.ferry.docs;

import dev.ferry.config.KnownSettings;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * README's table of Ferry's settings is rendered from the configuration metadata that the build generates from
 * FerryProperties: name, default and description, one row per setting.
 */
@Tag("unit")
class SettingsTableTest {

	@Test
	void readmesSettingsTableIsTheGeneratedMetadata() {
		StringBuilder table = new StringBuilder("| Variable | Default | Meaning |\n| --- | --- | --- |\n");
		for (KnownSettings.Setting setting : KnownSettings.load().ferry()) {
			String defaultText = setting.defaultText();
			table.append("| `")
				.append(setting.variable())
				.append("` (`")
				.append(setting.property())
				.append("`) | ")
				.append((defaultText != null) ? "`" + defaultText + "`" : "")
				.append(" | ")
				.append(setting.description(true).replace("|", "\\|"))
				.append(" |\n");
		}
		GeneratedSection.in("README.md", "ferry-settings").assertUpToDate(table.toString());
	}

}
