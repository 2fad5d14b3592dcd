package dev.ferry.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Set;

import org.springframework.boot.context.properties.ConfigurationPropertiesBinding;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.core.convert.TypeDescriptor;
import org.springframework.core.convert.converter.GenericConverter;
import org.springframework.stereotype.Component;

/**
 * Binds a duration setting written {@code off} as {@link FerryProperties#OFF}, so that the settings can tell a
 * timeout turned off on purpose from a {@code 0}, which may be a slip: a lock timeout of zero silently lets every
 * query of the application queue behind a migration. Any other text binds exactly as Spring binds a duration.
 */
@Component
@ConfigurationPropertiesBinding
class OffDurationConverter implements GenericConverter {

	@Override
	public Set<ConvertiblePair> getConvertibleTypes() {
		return Set.of(new ConvertiblePair(String.class, Duration.class));
	}

	@Override
	public Object convert(Object source, TypeDescriptor sourceType, TypeDescriptor targetType) {
		return (source instanceof String text && text.trim().toLowerCase(Locale.ROOT).equals("off")) ? FerryProperties.OFF
				: ApplicationConversionService.getSharedInstance().convert(source, sourceType, targetType);
	}

}
