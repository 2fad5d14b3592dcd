package dev.ferry.secrets;

import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;

/**
 * Puts a {@link SecretMasker} between the process and its standard output and error, so that nothing printed by
 * Ferry, Flyway, the JDBC driver or a stack trace can carry a secret value out of the container. Lines are
 * buffered and masked whole, since a secret never spans a line break but may span two writes.
 */
public final class MaskingConsole {

	private MaskingConsole() {
	}

	public static synchronized void install(SecretMasker masker) {
		Charset charset = Charset.defaultCharset();
		MaskingOutputStream out = new MaskingOutputStream(new FileOutputStream(FileDescriptor.out), masker, charset);
		MaskingOutputStream err = new MaskingOutputStream(new FileOutputStream(FileDescriptor.err), masker, charset);
		System.setOut(new PrintStream(out, true, charset));
		System.setErr(new PrintStream(err, true, charset));
		Runtime.getRuntime().addShutdownHook(new Thread(() -> {
			out.emitQuietly();
			err.emitQuietly();
		}, "ferry-console-flush"));
	}

	static final class MaskingOutputStream extends FilterOutputStream {

		private final SecretMasker masker;

		private final Charset charset;

		private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);

		MaskingOutputStream(OutputStream target, SecretMasker masker, Charset charset) {
			super(target);
			this.masker = masker;
			this.charset = charset;
		}

		// FilterOutputStream writes an array byte by byte through here: a log line is short, and PrintStream holds its
		// own lock over the whole array.
		@Override
		public synchronized void write(int b) throws IOException {
			this.line.write(b);
			if (b == '\n') {
				emit();
			}
		}

		@Override
		public synchronized void flush() throws IOException {
			// A partial line stays buffered until its end arrives, unless it grows large: then it is masked as is.
			if (this.line.size() > 8192) {
				emit();
			}
			this.out.flush();
		}

		@Override
		public synchronized void close() throws IOException {
			emit();
			this.out.close();
		}

		synchronized void emitQuietly() {
			try {
				emit();
			}
			catch (IOException ex) {
				// The console is gone; nothing is left to tell.
			}
		}

		private void emit() throws IOException {
			if (this.line.size() == 0) {
				return;
			}
			String text = this.line.toString(this.charset);
			this.line.reset();
			this.out.write(this.masker.mask(text).getBytes(this.charset));
			this.out.flush();
		}

	}

}
