<?php
/**
 * The plugin's settings: one option holding an array, its defaults, and the checks on save.
 *
 * @package Balas_WhatsApp
 */

defined( 'ABSPATH' ) || exit;

/**
 * Reads the settings and sanitises what the settings form sends.
 *
 * A value that fails its check is not saved: the field keeps its previous value and the admin
 * sees why in a notice, so one typo never wipes a working number or token.
 */
final class Balas_WhatsApp_Options {

	const NAME      = 'balas_whatsapp_settings';
	const GROUP     = 'balas_whatsapp';
	const POSITIONS = array( 'bottom-right', 'bottom-left' );

	/**
	 * The settings before the admin changes anything.
	 */
	public static function defaults(): array {
		return array(
			'enabled'         => true,
			'whatsapp_number' => '',
			'message'         => __( 'Hello! I have a question.', 'balas-whatsapp' ),
			'product_message' => __( 'Hello! I am interested in {product}: {url}', 'balas-whatsapp' ),
			'position'        => 'bottom-right',
			'label'           => __( 'Chat with us', 'balas-whatsapp' ),
			'balas_url'       => '',
			'store_id'        => '',
			'token'           => '',
		);
	}

	/**
	 * The saved settings, with defaults for anything not saved yet.
	 */
	public function get(): array {
		$saved = get_option( self::NAME, array() );
		return array_merge( self::defaults(), is_array( $saved ) ? $saved : array() );
	}

	/**
	 * The register_setting sanitize callback. WordPress may run it twice on the first save
	 * (update_option, then add_option), so sanitising its own output changes nothing.
	 *
	 * @param mixed $input The posted settings (already unslashed by options.php).
	 */
	public function sanitize( $input ): array {
		$input   = is_array( $input ) ? $input : array();
		$current = $this->get();
		$clean   = array(
			'enabled'         => ! empty( $input['enabled'] ),
			'message'         => self::text( $input, 'message' ),
			'position'        => in_array( $input['position'] ?? '', self::POSITIONS, true ) ? $input['position'] : 'bottom-right',
			'label'           => self::text( $input, 'label' ),
			'whatsapp_number' => $this->number( self::text( $input, 'whatsapp_number' ), $current['whatsapp_number'] ),
			'product_message' => $this->product_message( self::text( $input, 'product_message' ), $current['product_message'] ),
			'balas_url'       => $this->balas_url( self::raw( $input, 'balas_url' ), $current['balas_url'] ),
			'store_id'        => $this->store_id( self::text( $input, 'store_id' ), $current['store_id'] ),
			'token'           => $this->token( $input, $current['token'] ),
		);
		if ( '' === $clean['label'] ) {
			$clean['label'] = self::defaults()['label'];
		}
		return $clean;
	}

	/**
	 * An E.164 number ("+" and 8 to 15 digits); spaces, dots, dashes and brackets are dropped.
	 *
	 * @param string $value    The posted number.
	 * @param string $previous The saved number.
	 */
	private function number( string $value, string $previous ): string {
		$number = (string) preg_replace( '/[\s().-]+/', '', $value );
		if ( '' === $number || preg_match( '/^\+[1-9]\d{7,14}$/', $number ) ) {
			return $number;
		}
		$this->notice( 'invalid_number', __( 'The WhatsApp number must be in international form with its country code, such as +6281234567890. The previous number was kept.', 'balas-whatsapp' ) );
		return $previous;
	}

	/**
	 * The product page template; '' means product pages use the general message.
	 *
	 * @param string $value    The posted template.
	 * @param string $previous The saved template.
	 */
	private function product_message( string $value, string $previous ): string {
		if ( '' === $value || false !== strpos( $value, '{product}' ) ) {
			return $value;
		}
		$this->notice( 'invalid_product_message', __( 'The product page message must contain {product}. The previous message was kept.', 'balas-whatsapp' ) );
		return $previous;
	}

	/**
	 * Balas's base address, http(s) only, without a trailing slash.
	 *
	 * @param string $value    The posted address.
	 * @param string $previous The saved address.
	 */
	private function balas_url( string $value, string $previous ): string {
		if ( '' === $value ) {
			return '';
		}
		$url = untrailingslashit( esc_url_raw( $value, array( 'https', 'http' ) ) );
		if ( '' === $url || ! wp_parse_url( $url, PHP_URL_HOST ) ) {
			$this->notice( 'invalid_balas_url', __( 'The Balas URL must be a web address such as https://balas.example.com. The previous address was kept.', 'balas-whatsapp' ) );
			return $previous;
		}
		if ( 'https' !== wp_parse_url( $url, PHP_URL_SCHEME ) ) {
			$this->notice( 'insecure_balas_url', __( 'The Balas URL does not use https, so the token travels unencrypted. Use it only on a private network.', 'balas-whatsapp' ), 'warning' );
		}
		return $url;
	}

	/**
	 * The store's id in Balas (letters, digits, dot, dash, underscore).
	 *
	 * @param string $value    The posted id.
	 * @param string $previous The saved id.
	 */
	private function store_id( string $value, string $previous ): string {
		if ( '' === $value || preg_match( '/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/', $value ) ) {
			return $value;
		}
		$this->notice( 'invalid_store_id', __( 'The store id may hold only letters, digits, dots, dashes and underscores. The previous id was kept.', 'balas-whatsapp' ) );
		return $previous;
	}

	/**
	 * The token is never sent back to the browser, so a blank field keeps the saved one and
	 * only the "remove" box clears it. Checked, not sanitised: altering a secret breaks it.
	 *
	 * @param array  $input    The posted settings.
	 * @param string $previous The saved token.
	 */
	private function token( array $input, string $previous ): string {
		if ( ! empty( $input['clear_token'] ) ) {
			return '';
		}
		$token = self::raw( $input, 'token' );
		if ( '' === $token ) {
			return $previous;
		}
		if ( preg_match( '/^[\x21-\x7E]{8,512}$/', $token ) ) {
			return $token;
		}
		$this->notice( 'invalid_token', __( 'The token must be 8 to 512 printable characters without spaces. The previous token was kept.', 'balas-whatsapp' ) );
		return $previous;
	}

	/**
	 * A posted text field, sanitised ('' when missing).
	 *
	 * @param array  $input The posted settings.
	 * @param string $key   The field.
	 */
	private static function text( array $input, string $key ): string {
		return sanitize_text_field( self::raw( $input, $key ) );
	}

	/**
	 * A posted field as trimmed text ('' when missing or not a single value).
	 *
	 * @param array  $input The posted settings.
	 * @param string $key   The field.
	 */
	private static function raw( array $input, string $key ): string {
		$value = $input[ $key ] ?? '';
		return is_scalar( $value ) ? trim( (string) $value ) : '';
	}

	/**
	 * A notice on the settings page, once even when WordPress sanitises twice.
	 *
	 * @param string $code    The notice's id.
	 * @param string $message The text.
	 * @param string $type    error, warning, success or info.
	 */
	private function notice( string $code, string $message, string $type = 'error' ): void {
		foreach ( get_settings_errors( self::NAME ) as $shown ) {
			if ( $shown['code'] === $code ) {
				return;
			}
		}
		add_settings_error( self::NAME, $code, $message, $type );
	}
}
